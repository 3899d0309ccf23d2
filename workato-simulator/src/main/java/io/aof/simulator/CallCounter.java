package io.aof.simulator;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** Counts every API call the simulator receives, by endpoint and status, for tests and people. */
public class CallCounter {

    private final Map<String, Map<Integer, Long>> calls = new TreeMap<>();
    private long repeatIds;
    /** Every call, in arrival order, for proofs that check timing (calls inside a Retry-After window). */
    private final List<Map<String, Object>> log = new ArrayList<>();

    /**
     * Records one call: when it arrived and was answered (epoch ms), what it asked for and what it got;
     * {@code retryAfter} is the Retry-After answered in seconds (0: none), {@code jobIds} the ids of a repeat.
     */
    synchronized void record(String endpoint, Long recipeId, long arrivedAt, long answeredAt, int status,
                             long retryAfter, List<String> jobIds) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("seq", log.size());
        m.put("endpoint", endpoint);
        m.put("recipe_id", recipeId);
        m.put("arrived_at", arrivedAt);
        m.put("answered_at", answeredAt);
        m.put("status", status);
        m.put("retry_after", retryAfter);
        m.put("job_ids", jobIds == null ? List.of() : jobIds);
        log.add(m);
    }

    /** The calls recorded from sequence number {@code from} on. */
    public synchronized List<Map<String, Object>> log(int from, int limit) {
        int start = Math.max(0, Math.min(from, log.size()));
        // long: a limit of Integer.MAX_VALUE ("all") must not overflow past the start
        return List.copyOf(log.subList(start, (int) Math.min(log.size(), (long) start + Math.max(0, limit))));
    }

    synchronized void count(String endpoint, int status) {
        calls.computeIfAbsent(endpoint, k -> new TreeMap<>()).merge(status, 1L, Long::sum);
    }

    synchronized void countRepeatIds(int n) {
        repeatIds += n;
    }

    public synchronized Map<String, Object> snapshot() {
        Map<String, Object> total = new TreeMap<>();
        calls.forEach((endpoint, byStatus) -> total.put(endpoint, new TreeMap<>(byStatus)));
        return Map.of("calls", total, "repeat_job_ids", repeatIds);
    }
}
