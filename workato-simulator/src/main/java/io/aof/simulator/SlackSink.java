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

    synchronized Map<String, Object> post(String method, String channel, String text, String blocks, String threadTs) {
        String messageTs = String.format("%d.%06d", ++ts / 1000, ts % 1000);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("method", method);
        m.put("channel", channel);
        m.put("text", text);
        m.put("blocks", blocks);
        m.put("thread_ts", threadTs);
        m.put("ts", messageTs);
        m.put("received_at", Instant.now().toString());
        messages.add(m);
        log.info("[slack-sink] {} #{}: {}", method, channel, text);
        return m;
    }

    public synchronized List<Map<String, Object>> messages() {
        return List.copyOf(messages);
    }

    synchronized void clear() {
        messages.clear();
    }
}
