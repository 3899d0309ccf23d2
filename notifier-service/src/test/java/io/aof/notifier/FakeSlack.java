package io.aof.notifier;

import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Slack's Web API over real HTTP in the test JVM, as slack-api-client calls it: form-encoded
 * {@code chat.postMessage}/{@code chat.update}, answered with Slack's {@code {"ok": ...}} JSON (HTTP 200
 * even for errors, as Slack does). Per channel, a queue of error codes to answer before accepting again.
 */
final class FakeSlack implements AutoCloseable {

    /** What Slack took (ok) or refused (the error code). */
    record Call(String method, String channel, String text, String threadTs, String error) {
    }

    private final HttpServer server;
    private final Map<String, Deque<String>> errors = new ConcurrentHashMap<>();
    final List<Call> calls = new CopyOnWriteArrayList<>();
    private final AtomicLong ts = new AtomicLong(1_700_000_000_000L);

    FakeSlack() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/api/", exchange -> {
            String method = exchange.getRequestURI().getPath().substring("/api/".length());
            Map<String, String> form = form(new String(exchange.getRequestBody().readAllBytes(),
                    StandardCharsets.UTF_8));
            String channel = method.equals("auth.test") ? "auth.test" : form.get("channel");
            Deque<String> queue = channel == null ? null : errors.get(channel);
            String error;
            synchronized (this) {
                error = queue == null ? null : queue.poll();
            }
            calls.add(new Call(method, channel, form.get("text"), form.get("thread_ts"), error));
            String body = error != null ? "{\"ok\":false,\"error\":\"" + error + "\"}"
                    : method.equals("auth.test") ? "{\"ok\":true,\"team\":\"fake\",\"team_id\":\"T1\"}"
                    : "{\"ok\":true,\"channel\":\"C" + Math.abs(channel.hashCode()) + "\",\"ts\":\""
                    + (form.get("ts") != null ? form.get("ts") : ts.incrementAndGet() / 1000 + "."
                    + String.format("%06d", ts.get() % 1000)) + "\"}";
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/json; charset=utf-8");
            exchange.sendResponseHeaders(200, bytes.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        });
        server.start();
    }

    /** The next {@code times} messages to {@code channel} are refused with {@code error} (JSON-escaped as given). */
    synchronized FakeSlack refuse(String channel, String error, int times) {
        Deque<String> q = errors.computeIfAbsent(channel, c -> new ArrayDeque<>());
        for (int i = 0; i < times; i++) {
            q.add(error);
        }
        return this;
    }

    String apiUrl() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/api/";
    }

    List<Call> to(String channel) {
        return calls.stream().filter(c -> channel.equals(c.channel())).toList();
    }

    List<Call> delivered(String channel) {
        return to(channel).stream().filter(c -> c.error() == null).toList();
    }

    private static Map<String, String> form(String body) {
        Map<String, String> out = new LinkedHashMap<>();
        for (String pair : body.split("&")) {
            int eq = pair.indexOf('=');
            if (eq > 0) {
                out.put(URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8),
                        URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
            }
        }
        return out;
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
