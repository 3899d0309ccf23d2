package io.aof.common.workato;

import com.sun.net.httpserver.HttpServer;
import io.aof.common.text.ExternalText;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Text from Workato is cleaned and capped as it is parsed (over real HTTP, in
 * Workato's shape): a NUL character or a 2.6 MB error page never goes further,
 * and the workflow and test-job fields are read.
 */
class WorkatoJobParsingTest {

    private HttpServer server;
    private final Map<String, String> answers = new ConcurrentHashMap<>();
    private WorkatoClient client;

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/api", exchange -> {
            byte[] body = answers.getOrDefault(exchange.getRequestURI().getPath(), "{}")
                    .getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        server.start();
        client = new WorkatoClient(new WorkatoProperties("http://127.0.0.1:" + server.getAddress().getPort() + "/api",
                "t", Duration.ofSeconds(5), Duration.ofSeconds(5), WorkatoProperties.Resilience.defaults()), null);
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    @Test
    void aListedJobsNulIsRemovedAndA2_6MBErrorIsCapped() {
        String huge = "<html>" + "x".repeat(2_600_000) + "</html>";
        answers.put("/api/recipes/7/jobs", "{\"job_failed_count\": 2, \"items\": ["
                + "{\"id\": \"j-1\", \"status\": \"failed\", \"title\": \"Order\\u0000 5\", \"error\": \"" + huge
                + "\", \"error_parts\": {\"error_type\": \"t\\u0000\", \"message\": \"" + huge + "\"}},"
                + "{\"id\": \"j-2\", \"status\": \"failed\", \"error\": \"boom\\u0000\\ud800\", "
                + "\"calling_job_id\": \"j-0\", \"calling_recipe_id\": 6, \"root_job_id\": \"j-0\", "
                + "\"root_recipe_id\": 6}]}");

        List<WorkatoJob> jobs = client.listJobs(7, JobQuery.failed()).itemsOrEmpty();

        WorkatoJob big = jobs.get(0);
        assertThat(big.error()).hasSizeLessThanOrEqualTo(ExternalText.ERROR_MAX_CHARS).startsWith("<html>xxx")
                .contains("cut by AOF");
        assertThat(big.errorParts().message()).hasSizeLessThanOrEqualTo(ExternalText.ERROR_MAX_CHARS);
        assertThat(big.title()).isEqualTo("Order 5");
        assertThat(big.errorTypeId()).isEqualTo("t");
        assertThat(big.isCalled()).isFalse();
        WorkatoJob child = jobs.get(1);
        assertThat(child.error()).isEqualTo("boom\uFFFD");
        assertThat(child.isCalled()).isTrue();
        assertThat(child.workflowRootJobId()).isEqualTo("j-0");
        assertThat(child.workflowRootRecipeId()).isEqualTo(6L);
        assertThat(child.isTest()).isNull();
    }

    @Test
    void aJobDetailSaysWhetherItIsATestJobAndARecipeNameIsCleaned() {
        answers.put("/api/recipes/7/jobs/j-1", "{\"id\": \"j-1\", \"status\": \"failed\", \"is_test\": true, "
                + "\"root_job_id\": \"j-1\", \"root_recipe_id\": 7, \"lines\": [{\"recipe_line_number\": \"1\", "
                + "\"error_descriptor\": {\"error_type_id\": \"err.x\", \"message\": \"m\\u0000\"}}]}");
        answers.put("/api/recipes", "{\"items\": [{\"id\": 7, \"name\": \"Orders\\u0000" + "n".repeat(5000)
                + "\", \"stop_cause\": \"trigger_errors_limit\\u0007\"}]}");

        WorkatoJob job = client.getJob(7, "j-1");
        WorkatoRecipe recipe = client.listRecipes(1, 100).get(0);

        assertThat(job.isTestJob()).isTrue();
        assertThat(job.isCalled()).as("a root carries itself as root").isFalse();
        assertThat(job.lines().get(0).errorDescriptor().message()).isEqualTo("m");
        assertThat(recipe.name()).startsWith("Ordersnnn").hasSizeLessThanOrEqualTo(ExternalText.FIELD_MAX_CHARS);
        assertThat(recipe.stopCause()).isEqualTo("trigger_errors_limit");
    }
}
