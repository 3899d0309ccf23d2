package io.aof.e2e;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** A tiny HTTP client for tests: what curl would do. */
final class Http {

    static final JsonMapper JSON = JsonMapper.builder().build();
    private static final HttpClient CLIENT = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    record Response(int status, String contentType, String body) {
        JsonNode json() {
            return JSON.readTree(body);
        }
    }

    static JsonNode getJson(String url) {
        Response r = get(url);
        if (r.status() != 200) {
            throw new AssertionError("GET " + url + " answered " + r.status() + ": " + r.body());
        }
        return r.json();
    }

    static Response get(String url) {
        return send(HttpRequest.newBuilder(URI.create(url)).GET().build());
    }

    static Response post(String url, String json, String... headers) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url))
                .POST(HttpRequest.BodyPublishers.ofString(json == null ? "" : json));
        boolean contentTypeGiven = false;
        for (int i = 0; i < headers.length; i += 2) {
            contentTypeGiven |= "Content-Type".equalsIgnoreCase(headers[i]);
        }
        if (!contentTypeGiven) {
            b.header("Content-Type", "application/json");
        }
        for (int i = 0; i + 1 < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return send(b.build());
    }

    static Response send(String method, String url, String json) {
        return send(HttpRequest.newBuilder(URI.create(url)).header("Content-Type", "application/json")
                .method(method, HttpRequest.BodyPublishers.ofString(json)).build());
    }

    static Response delete(String url) {
        return send(HttpRequest.newBuilder(URI.create(url)).DELETE().build());
    }

    /**
     * The legacy admin's credentials ({@code AOF_OPS_PASSWORD}), sent with every call that names none (not to the
     * webhook, which has its own).
     */
    static final String OPS_AUTH = basic("ops", AofSuite.OPS_PASSWORD);

    static String basic(String user, String password) {
        return "Basic " + java.util.Base64.getEncoder().encodeToString((user + ":" + password)
                .getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    /** A POST as another user ({@code Authorization} value, e.g. {@link AofSuite#ALICE_AUTH}). */
    static Response postAs(String authorization, String url, String json) {
        return post(url, json, "Authorization", authorization);
    }

    private static Response send(HttpRequest request) {
        if (request.headers().firstValue("Authorization").isEmpty()
                && !request.uri().getPath().startsWith("/api/webhooks/")) {
            HttpRequest.Builder b = HttpRequest.newBuilder(request, (name, value) -> true)
                    .header("Authorization", OPS_AUTH);
            request = b.build();
        }
        return sendAsIs(request);
    }

    /** Without adding credentials (to see what an anonymous caller gets). */
    static Response sendAsIs(HttpRequest request) {
        try {
            HttpResponse<String> r = CLIENT.send(request, HttpResponse.BodyHandlers.ofString());
            return new Response(r.statusCode(), r.headers().firstValue("Content-Type").orElse(""), r.body());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private Http() {
    }
}
