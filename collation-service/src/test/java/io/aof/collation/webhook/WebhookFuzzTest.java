package io.aof.collation.webhook;

import io.aof.collation.CollationProperties;
import io.aof.collation.triage.FailureCollector;
import io.aof.common.messaging.AofProperties;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.webmvc.test.autoconfigure.WebMvcTest;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.http.MediaType;
import org.springframework.test.context.bean.override.mockito.MockitoBean;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.transaction.support.TransactionTemplate;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.Mockito.never;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.verifyNoInteractions;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;

/**
 * 1,000+ malformed webhook bodies, authenticated: every one gets a 4xx, none a
 * 5xx, and nothing reaches the collector or the database.
 */
@WebMvcTest(controllers = WebhookController.class, properties = {
        "aof.collation.webhook.token=fuzz-token",
        "aof.collation.webhook.per-source-per-minute=100000",
        "spring.mvc.problemdetails.enabled=true"})
class WebhookFuzzTest {

    @SpringBootConfiguration
    @EnableAutoConfiguration
    @EnableConfigurationProperties({CollationProperties.class, AofProperties.class})
    @Import(WebhookController.class)
    static class Slice {
        @Bean
        MeterRegistry meterRegistry() {
            return new SimpleMeterRegistry();
        }

        @Bean
        java.time.Clock clock() {
            return java.time.Clock.systemUTC();
        }
    }

    @Autowired
    MockMvc mvc;

    @MockitoBean
    FailureCollector collector;

    @MockitoBean
    WebhookPendingStore pending;

    @MockitoBean
    TransactionTemplate tx;

    @Test
    void malformedBodiesAreAll4xxAndStoreNothing() throws Exception {
        List<byte[]> bodies = malformedBodies(new Random(42), 1200);
        int n = 0;
        for (byte[] body : bodies) {
            int status = mvc.perform(post("/api/webhooks/job-failures").contentType(MediaType.APPLICATION_JSON)
                    .header("Authorization", "Bearer fuzz-token").content(body)).andReturn().getResponse().getStatus();
            assertThat(status).as("body #%d: %s", n, new String(body, StandardCharsets.UTF_8)).isBetween(400, 499);
            n++;
        }
        assertThat(n).isGreaterThanOrEqualTo(1000);
        verifyNoInteractions(tx, pending);
        verify(collector, never()).collect(any());
    }

    static List<byte[]> malformedBodies(Random r, int count) {
        String valid = "{\"recipe_id\": 12, \"job_id\": \"j-abc\", \"error\": \"boom\", \"http_status\": 500}";
        String[] bad = {
                "", " ", "null", "[]", "{}", "\"text\"", "42", "true", "{\"recipe_id\": \"twelve\"}",
                "{\"recipe_id\": -1, \"job_id\": \"j-a\", \"error\": \"x\"}",
                "{\"recipe_id\": 0, \"job_id\": \"j-a\", \"error\": \"x\"}",
                "{\"recipe_id\": 1, \"job_id\": \"\", \"error\": \"x\"}",
                "{\"recipe_id\": 1, \"job_id\": \"j a\", \"error\": \"x\"}",
                "{\"recipe_id\": 1, \"job_id\": \"j-a\", \"error\": \"\"}",
                "{\"recipe_id\": 1, \"job_id\": \"j-a\", \"error\": \"x\", \"http_status\": 99}",
                "{\"recipe_id\": 1, \"job_id\": \"j-a\", \"error\": \"x\", \"http_status\": 600}",
                "{\"recipe_id\": 1, \"job_id\": \"j-a\", \"error\": \"x\", \"started_at\": \"yesterday\"}",
                "{\"recipe_id\": 1e999, \"job_id\": \"j-a\", \"error\": \"x\"}",
                "{\"recipe_id\": 99999999999999999999999, \"job_id\": \"j-a\", \"error\": \"x\"}",
                "{\"recipe_id\": 1, \"job_id\": [\"j-a\"], \"error\": \"x\"}",
                "{\"recipe_id\": 1, \"job_id\": {\"x\": 1}, \"error\": \"x\"}",
                "{\"recipe_id\": 1, \"job_id\": \"j-a\", \"master_job_id\": \"../../etc\", \"error\": \"x\"}",
                "{\"recipe_id\": 1, \"job_id\": \"" + "j".repeat(101) + "\", \"error\": \"x\"}",
                "{\"recipe_id\": 1, \"job_id\": \"j-a\", \"error\": \"" + "e".repeat(10_001) + "\"}",
                "{\"recipe_id\": 1,, \"job_id\": \"j-a\"}", "{'recipe_id': 1}", "{\"recipe_id\": 1 \"job_id\": 2}",
                "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[", "{\"a\":" .repeat(200),
        };
        List<byte[]> out = new ArrayList<>();
        for (String b : bad) {
            out.add(b.getBytes(StandardCharsets.UTF_8));
        }
        while (out.size() < count) {
            switch (r.nextInt(5)) {
                case 0 -> out.add(valid.substring(0, r.nextInt(valid.length() - 1)).getBytes(StandardCharsets.UTF_8));
                case 1 -> {
                    byte[] b = new byte[1 + r.nextInt(300)];
                    r.nextBytes(b);
                    out.add(b);
                }
                case 2 -> {
                    // structural damage inside the required part (recipe_id, job_id): never a valid body
                    char[] c = valid.toCharArray();
                    int requiredPart = valid.indexOf("\"error\"");
                    for (int i = 0; i < 1 + r.nextInt(4); i++) {
                        c[1 + r.nextInt(requiredPart - 2)] = "{}[]\",:\\".charAt(r.nextInt(8));
                    }
                    String s = new String(c);
                    if (!s.equals(valid)) {
                        out.add(s.getBytes(StandardCharsets.UTF_8));
                    }
                }
                case 3 -> out.add(("{\"recipe_id\": " + (r.nextBoolean() ? "-" : "") + r.nextInt(3)
                        + ", \"job_id\": \"" + (r.nextBoolean() ? "" : "j <" + r.nextInt()) + "\", \"error\": "
                        + (r.nextBoolean() ? "null" : "\"\"") + "}").getBytes(StandardCharsets.UTF_8));
                default -> out.add(("{\"recipe_id\": 1, \"job_id\": \"j-a\", \"error\": \"x\", \"http_status\": "
                        + (r.nextBoolean() ? r.nextInt(99) : 600 + r.nextInt(10_000)) + "}")
                        .getBytes(StandardCharsets.UTF_8));
            }
        }
        return out;
    }
}
