package io.aof.simulator;

import java.util.Map;
import java.util.TreeMap;

/** Counts every API call the simulator receives, by endpoint and status, for tests and people. */
public class CallCounter {

    private final Map<String, Map<Integer, Long>> calls = new TreeMap<>();
    private long repeatIds;

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
