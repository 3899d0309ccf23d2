package io.aof.simulator;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Keeps every Slack message the sink received, and prints one line for each. */
public class SlackSink {

    private static final Logger log = LoggerFactory.getLogger("slack-sink");

    private final List<Map<String, Object>> messages = new ArrayList<>();
    /** The last message's ts in microseconds: Slack's ts is the wall clock, unique per channel (here: overall). */
    private long ts;

    /** Per channel: answer HTTP {@code status} (503: down; 429: rate limited, with Retry-After) n more times. */
    private final Map<String, Trouble> trouble = new LinkedHashMap<>();

    record Trouble(int status, int retryAfterSeconds, int remaining) {
    }

    synchronized void trouble(String channel, int status, int retryAfterSeconds, int times) {
        trouble.put(channel, new Trouble(status, retryAfterSeconds, times <= 0 ? Integer.MAX_VALUE : times));
    }

    synchronized void clearTrouble(String channel) {
        if (channel == null) {
            trouble.clear();
        } else {
            trouble.remove(channel);
        }
    }

    /** The trouble to answer for a message to {@code channel} now, or null to accept it. */
    synchronized Trouble troubleFor(String channel) {
        Trouble t = trouble.get(channel);
        if (t == null) {
            return null;
        }
        if (t.remaining() <= 1) {
            trouble.remove(channel);
        } else if (t.remaining() != Integer.MAX_VALUE) {
            trouble.put(channel, new Trouble(t.status(), t.retryAfterSeconds(), t.remaining() - 1));
        }
        refused++;
        return t;
    }

    private int refused;

    synchronized int refused() {
        return refused;
    }

    synchronized Map<String, Object> post(String method, String channel, String text, String blocks, String threadTs,
                                          String updatedTs, Object metadata) {
        String messageTs = updatedTs;
        if (messageTs == null) {
            ts = Math.max(ts + 1, ChronoUnit.MICROS.between(Instant.EPOCH, Instant.now()));
            messageTs = String.format("%d.%06d", ts / 1_000_000, ts % 1_000_000);
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("method", method);
        m.put("channel", channel);
        m.put("text", text);
        m.put("blocks", blocks);
        m.put("thread_ts", threadTs);
        m.put("ts", messageTs);
        m.put("metadata", metadata);
        m.put("received_at", Instant.now().toString());
        messages.add(m);
        log.info("[slack-sink] {} {}: {}", method, channel, text);
        return m;
    }

    /**
     * What {@code conversations.history} (thread == null: the channel's top-level messages, newest first) or
     * {@code conversations.replies} (a thread's first message and its replies, oldest first) answers: the messages
     * posted to {@code channel} with a ts after {@code oldest} (a Slack ts, or null), as Slack shows them.
     */
    synchronized List<Map<String, Object>> history(String channel, String thread, String oldest,
                                                   boolean withMetadata) {
        double after = oldest == null || oldest.isBlank() ? 0 : Double.parseDouble(oldest);
        List<Map<String, Object>> out = new ArrayList<>();
        for (Map<String, Object> m : messages) {
            Object threadTs = m.get("thread_ts");
            boolean inScope = thread == null ? threadTs == null : thread.equals(threadTs) || thread.equals(m.get("ts"));
            if (!"chat.postMessage".equals(m.get("method")) || !channel.equals(m.get("channel")) || !inScope
                    || Double.parseDouble((String) m.get("ts")) <= after) {
                continue;
            }
            Map<String, Object> shown = new LinkedHashMap<>();
            shown.put("type", "message");
            shown.put("ts", m.get("ts"));
            shown.put("text", m.get("text"));
            if (threadTs != null) {
                shown.put("thread_ts", threadTs);
            }
            if (withMetadata && m.get("metadata") != null) {
                shown.put("metadata", m.get("metadata"));
            }
            out.add(shown);
        }
        if (thread == null) {
            Collections.reverse(out);
        }
        return out;
    }

    public synchronized List<Map<String, Object>> messages() {
        return List.copyOf(messages);
    }

    synchronized void clear() {
        messages.clear();
    }
}
