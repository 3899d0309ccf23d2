package io.aof.simulator;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Keeps every Slack message the sink received, and prints one line for each. */
public class SlackSink {

    private static final Logger log = LoggerFactory.getLogger("slack-sink");

    private final List<Map<String, Object>> messages = new ArrayList<>();
    private long ts = 1_700_000_000_000L;

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
                                          String updatedTs) {
        String messageTs = updatedTs != null ? updatedTs : String.format("%d.%06d", ++ts / 1000, ts % 1000);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("method", method);
        m.put("channel", channel);
        m.put("text", text);
        m.put("blocks", blocks);
        m.put("thread_ts", threadTs);
        m.put("ts", messageTs);
        m.put("received_at", Instant.now().toString());
        messages.add(m);
        log.info("[slack-sink] {} {}: {}", method, channel, text);
        return m;
    }

    public synchronized List<Map<String, Object>> messages() {
        return List.copyOf(messages);
    }

    synchronized void clear() {
        messages.clear();
    }
}
