package io.aof.notifier;

import com.sun.net.httpserver.HttpServer;
import io.aof.common.events.EventCodec;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Slack's Web API over real HTTP in the test JVM, as slack-api-client calls it: form-encoded
 * {@code chat.postMessage}/{@code chat.update}, answered with Slack's {@code {"ok": ...}} JSON (HTTP 200
 * even for errors, as Slack does), and {@code conversations.history}/{@code conversations.replies} of what it
 * took, with the messages' metadata. Per channel, a queue of error codes to answer before accepting again.
 */
public final class FakeSlack implements AutoCloseable {

    /** What Slack took (ok) or refused (the error code). */
    public record Call(String method, String channel, String text, String threadTs, String error, String ts,
                String metadata) {
    }

    /** Run after Slack took a message and before it answers (a crash between the two, say). */
    public volatile Runnable beforeAnswer = () -> { };

    private final HttpServer server;
    private final Map<String, Deque<String>> errors = new ConcurrentHashMap<>();
    public final List<Call> calls = new CopyOnWriteArrayList<>();
    private final AtomicLong ts = new AtomicLong();

    public FakeSlack() throws IOException {
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
            String body;
            if (error == null && method.startsWith("conversations.")) {
                body = history(method, form);
            } else {
                String messageTs = form.get("ts") != null ? form.get("ts") : nextTs();
                calls.add(new Call(method, channel, form.get("text"), form.get("thread_ts"), error, messageTs,
                        form.get("metadata")));
                body = error != null ? "{\"ok\":false,\"error\":\"" + error + "\"}"
                        : method.equals("auth.test") ? "{\"ok\":true,\"team\":\"fake\",\"team_id\":\"T1\"}"
                        : "{\"ok\":true,\"channel\":\"" + channelId(channel) + "\",\"ts\":\"" + messageTs + "\"}";
                if (error == null && method.equals("chat.postMessage")) {
                    beforeAnswer.run();
                }
            }
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/json; charset=utf-8");
            exchange.sendResponseHeaders(200, bytes.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        });
        server.start();
    }

    /** Slack's ts: the wall clock in microseconds, one apart at least. */
    private String nextTs() {
        long micros = ts.updateAndGet(t -> Math.max(t + 1, System.currentTimeMillis() * 1000));
        return micros / 1_000_000 + "." + String.format("%06d", micros % 1_000_000);
    }

    /** The channel id Slack answers for a channel named {@code #name}; an id (C...) is its own. */
    static String channelId(String channel) {
        return channel.startsWith("C") ? channel : "C" + Math.abs(channel.hashCode());
    }

    /**
     * {@code conversations.history} (top-level messages, newest first) and {@code conversations.replies} (a
     * thread, oldest first) of the messages posted, by channel id, after {@code oldest}, with their metadata
     * when asked for; {@code channel_not_found} for a channel named by anything but its id, as Slack answers.
     */
    private String history(String method, Map<String, String> form) {
        String channel = form.get("channel");
        if (channel == null || !channel.startsWith("C")) {
            return "{\"ok\":false,\"error\":\"channel_not_found\"}";
        }
        double oldest = form.get("oldest") == null ? 0 : Double.parseDouble(form.get("oldest"));
        String thread = method.equals("conversations.replies") ? form.get("ts") : null;
        var messages = EventCodec.mapper().createArrayNode();
        List<Call> posted = calls.stream().filter(c -> c.method().equals("chat.postMessage") && c.error() == null
                && channel.equals(channelId(c.channel())) && Double.parseDouble(c.ts()) > oldest
                && (thread == null ? c.threadTs() == null : thread.equals(c.threadTs()) || thread.equals(c.ts())))
                .toList();
        List<Call> shown = new ArrayList<>(posted);
        if (thread == null) {
            Collections.reverse(shown);
        }
        for (Call c : shown) {
            var m = messages.addObject().put("type", "message").put("ts", c.ts()).put("text", c.text());
            if (c.threadTs() != null) {
                m.put("thread_ts", c.threadTs());
            }
            if (c.metadata() != null && Set.of("1", "true").contains(form.get("include_all_metadata"))) {
                m.set("metadata", EventCodec.mapper().readTree(c.metadata()));
            }
        }
        var answer = EventCodec.mapper().createObjectNode().put("ok", true).put("has_more", false);
        answer.set("messages", messages);
        return answer.toString();
    }

    /** The next {@code times} messages to {@code channel} are refused with {@code error} (JSON-escaped as given). */
    public synchronized FakeSlack refuse(String channel, String error, int times) {
        Deque<String> q = errors.computeIfAbsent(channel, c -> new ArrayDeque<>());
        for (int i = 0; i < times; i++) {
            q.add(error);
        }
        return this;
    }

    public String apiUrl() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/api/";
    }

    public List<Call> to(String channel) {
        return calls.stream().filter(c -> channel.equals(c.channel())).toList();
    }

    public List<Call> delivered(String channel) {
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
