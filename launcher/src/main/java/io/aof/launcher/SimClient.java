package io.aof.launcher;

import com.fasterxml.jackson.core.type.TypeReference;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The simulator's own controls ({@code /sim}: recipes, triggers, outages) and its records (every job, every
 * Workato API call, what the Slack sink received), over HTTP, for the proof ({@link ProofRun}) and the benchmarks
 * ({@link PipelineBenchmark}, {@link OutageBenchmark}). A call answered with anything but 2xx is an
 * {@link IOException} naming the request and the answer.
 */
final class SimClient {

    private static final int LOG_PAGE = 20_000;

    private final String baseUrl;
    private final Duration timeout;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(3)).build();

    /** @param baseUrl the simulator's root ({@code http://127.0.0.1:port}); {@code timeout} per request */
    SimClient(String baseUrl, Duration timeout) {
        this.baseUrl = baseUrl;
        this.timeout = timeout;
    }

    String get(String path) throws IOException, InterruptedException {
        return send(HttpRequest.newBuilder(URI.create(baseUrl + path)).GET());
    }

    /** POST of a JSON body ({@code ""}: none). */
    String post(String path, String body) throws IOException, InterruptedException {
        return send(HttpRequest.newBuilder(URI.create(baseUrl + path)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)));
    }

    String put(String path) throws IOException, InterruptedException {
        return send(HttpRequest.newBuilder(URI.create(baseUrl + path)).PUT(HttpRequest.BodyPublishers.noBody()));
    }

    String delete(String path) throws IOException, InterruptedException {
        return send(HttpRequest.newBuilder(URI.create(baseUrl + path)).DELETE());
    }

    /** Every job of the workspace in creation order ({@code GET /sim/jobs}, the compact form). */
    List<Map<String, Object>> jobs() throws IOException, InterruptedException {
        return ProofRun.JSON.readValue(get("/sim/jobs"), new TypeReference<>() {
        });
    }

    /** Every Workato API call the simulator received, in arrival order ({@code GET /sim/calls/log}, all pages). */
    List<Map<String, Object>> callLog() throws IOException, InterruptedException {
        List<Map<String, Object>> all = new ArrayList<>();
        while (true) {
            List<Map<String, Object>> page = ProofRun.JSON.readValue(get("/sim/calls/log?from=" + all.size()
                    + "&limit=" + LOG_PAGE), new TypeReference<>() {
                    });
            all.addAll(page);
            if (page.size() < LOG_PAGE) {
                return all;
            }
        }
    }

    /** Everything the Slack sink received (posts and edits), in the order it received them. */
    List<Map<String, Object>> slackMessages() throws IOException, InterruptedException {
        return ProofRun.JSON.readValue(get("/sim/slack/messages"), new TypeReference<>() {
        });
    }

    private String send(HttpRequest.Builder b) throws IOException, InterruptedException {
        HttpResponse<String> r = http.send(b.timeout(timeout).build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() / 100 != 2) {
            throw new IOException(r.request().method() + " " + r.request().uri() + " answered " + r.statusCode()
                    + ": " + r.body());
        }
        return r.body();
    }
}
