package io.aof.launcher;

import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordingFile;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Where a service's CPU went, from its flight recording ({@code BENCH_JFR}): the JVM's execution samples
 * ({@code jdk.ExecutionSample}, JFR's "profile" settings: one every 10 ms of a thread running Java code) taken
 * between {@code from} and {@code to}, each charged to the library whose code was running or called the JDK code
 * that was (the first frame from the top of the stack outside {@code java.*}, {@code javax.*}, {@code jdk.*},
 * {@code sun.*}), and to the thread. Shares of sampled Java execution, not of the process's CPU: the garbage
 * collector, the JIT compiler, native code and the kernel's work for the process's I/O are not sampled (in the
 * pipeline benchmark the samples cover about a fifth of each service's CPU seconds).
 */
final class JfrSummary {

    /** Package prefixes and what they are, the first match wins (so the more specific come first). */
    private static final Map<String, String> LIBRARIES = new LinkedHashMap<>();

    static {
        LIBRARIES.put("org.postgresql.", "PostgreSQL JDBC driver");
        LIBRARIES.put("com.zaxxer.hikari.", "connection pool (HikariCP)");
        LIBRARIES.put("org.hibernate.", "Hibernate (JPA)");
        LIBRARIES.put("tools.jackson.", "JSON (Jackson)");
        LIBRARIES.put("com.fasterxml.jackson.", "JSON (Jackson)");
        LIBRARIES.put("org.apache.kafka.", "Kafka client");
        LIBRARIES.put("org.springframework.kafka.", "Spring Kafka");
        LIBRARIES.put("org.springframework.jdbc.", "Spring JDBC");
        LIBRARIES.put("org.springframework.transaction.", "Spring transactions");
        LIBRARIES.put("org.springframework.orm.", "Spring transactions");
        LIBRARIES.put("org.springframework.data.", "Spring Data");
        LIBRARIES.put("org.springframework.", "Spring (other: AOP, web, beans)");
        LIBRARIES.put("org.apache.catalina.", "HTTP server (Tomcat)");
        LIBRARIES.put("org.apache.coyote.", "HTTP server (Tomcat)");
        LIBRARIES.put("org.apache.tomcat.", "HTTP server (Tomcat)");
        LIBRARIES.put("ch.qos.logback.", "logging");
        LIBRARIES.put("org.slf4j.", "logging");
        LIBRARIES.put("io.micrometer.", "metrics (Micrometer)");
        LIBRARIES.put("io.github.resilience4j.", "Resilience4j");
        LIBRARIES.put("com.slack.", "Slack client");
        LIBRARIES.put("io.aof.", "AOF's own code");
    }

    private JfrSummary() {
    }

    /** The summary's table row for one service; a recording that cannot be read is said so in the row. */
    static String row(String service, Path recording, Instant from, Instant to) {
        try {
            return sampled(service, recording, from, to);
        } catch (IOException | RuntimeException e) {
            return "| " + service + " | unreadable recording " + recording + ": " + e.getMessage() + " | | |";
        }
    }

    private static String sampled(String service, Path recording, Instant from, Instant to) throws IOException {
        Map<String, Integer> byLibrary = new TreeMap<>();
        Map<String, Integer> byThread = new TreeMap<>();
        int samples = 0;
        try (RecordingFile file = new RecordingFile(recording)) {
            while (file.hasMoreEvents()) {
                RecordedEvent e = file.readEvent();
                if (!e.getEventType().getName().equals("jdk.ExecutionSample") || e.getStartTime().isBefore(from)
                        || e.getStartTime().isAfter(to) || e.getStackTrace() == null) {
                    continue;
                }
                samples++;
                byLibrary.merge(library(e.getStackTrace().getFrames()), 1, Integer::sum);
                String thread = e.getThread("sampledThread") == null ? "?"
                        : e.getThread("sampledThread").getJavaName();
                byThread.merge(thread == null ? "?" : thread.replaceAll("\\d+", "N"), 1, Integer::sum);
            }
        }
        if (samples == 0) {
            return "| " + service + " | 0 (no execution samples in the phases) | | |";
        }
        return String.format("| %s | %,d (%.1f s of Java execution) | %s | %s |", service, samples,
                samples / 100.0, top(byLibrary, samples, 8), top(byThread, samples, 3));
    }

    /** Who is to be charged for a sample: its first frame outside the JDK, by library. */
    static String library(List<RecordedFrame> frames) {
        for (RecordedFrame f : frames) {
            if (f.getMethod() == null || f.getMethod().getType() == null) {
                continue;
            }
            String type = f.getMethod().getType().getName();
            if (type.startsWith("java.") || type.startsWith("jdk.") || type.startsWith("sun.")
                    || type.startsWith("javax.")) {
                continue;
            }
            for (Map.Entry<String, String> l : LIBRARIES.entrySet()) {
                if (type.startsWith(l.getKey())) {
                    return l.getValue();
                }
            }
            return "other libraries";
        }
        return "the JDK alone";
    }

    private static String top(Map<String, Integer> counts, int total, int n) {
        StringBuilder s = new StringBuilder();
        counts.entrySet().stream().sorted(Map.Entry.<String, Integer>comparingByValue().reversed()).limit(n)
                .forEach(e -> s.append(s.isEmpty() ? "" : ", ").append(e.getKey()).append(' ')
                        .append(Math.round(100.0 * e.getValue() / total)).append('%'));
        return s.toString();
    }
}
