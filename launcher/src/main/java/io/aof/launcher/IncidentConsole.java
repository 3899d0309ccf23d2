package io.aof.launcher;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.StringDeserializer;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/** Prints one readable line per incident transition, read from the incident-events topic. */
final class IncidentConsole implements AutoCloseable {

    private static final String TOPIC = "aof.incident-events";
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss").withZone(ZoneId.systemDefault());
    private static final ObjectMapper JSON = new ObjectMapper();

    private final KafkaConsumer<String, String> consumer;
    private final Thread thread;
    private volatile boolean running = true;

    private final Instant since;

    /** Prints the transitions that happened since {@code since} (this run), then the new ones as they come. */
    IncidentConsole(String bootstrap, Instant since) {
        this.since = since;
        consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ConsumerConfig.GROUP_ID_CONFIG, "aof-launcher-console-" + UUID.randomUUID(),
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false"),
                new StringDeserializer(), new StringDeserializer());
        thread = new Thread(this::loop, "aof-incident-console");
        thread.setDaemon(true);
    }

    void start() {
        thread.start();
    }

    private void loop() {
        try {
            consumer.subscribe(List.of(TOPIC));
            while (running) {
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(500))) {
                    if (Instant.ofEpochMilli(r.timestamp()).isAfter(since)) {
                        System.out.println(format(r.value()));
                    }
                }
            }
        } catch (WakeupException e) {
            // closing
        } catch (RuntimeException e) {
            LocalRun.say("incident console stopped: " + e.getMessage());
        } finally {
            consumer.close(Duration.ofSeconds(2));
        }
    }

    static String format(String json) {
        try {
            JsonNode e = JSON.readTree(json);
            String type = e.path("type").asText();
            String when = TIME.format(Instant.parse(e.path("occurredAt").asText()));
            String state = e.path("state").asText();
            String attempt = e.hasNonNull("attempt") && !type.equals("RepeatFailureObserved")
                    ? " attempt " + e.get("attempt").asInt() : "";
            String detail = switch (type) {
                case "IncidentOpened" -> " opened (" + e.path("category").asText() + ") \""
                        + e.path("recipeName").asText() + "\": " + excerpt(e.path("error").asText());
                case "RetryScheduled" -> " due " + TIME.format(Instant.parse(e.path("dueAt").asText()))
                        + " (max " + e.path("maxAttempts").asInt() + ")";
                case "IncidentRecovered" -> " by repeat job " + e.path("repeatJobId").asText();
                case "RetriesExhausted" -> ": " + e.path("reason").asText();
                case "IncidentNonRetryable" -> " (" + e.path("category").asText() + "): "
                        + excerpt(e.path("error").asText());
                case "RepeatFailureObserved" -> " a failed repeat " + e.path("repeatJobId").asText()
                        + " was collected";
                default -> "";
            };
            String column = type.equals("RepeatFailureObserved") ? "(collected)" : state;
            return String.format("%s %-16s %s%s%s", when, column, e.path("incidentId").asText(), attempt, detail);
        } catch (Exception ex) {
            return "(unreadable incident event) " + json;
        }
    }

    private static String excerpt(String s) {
        return s.length() > 80 ? s.substring(0, 80) + "..." : s;
    }

    @Override
    public void close() {
        running = false;
        consumer.wakeup();
        try {
            thread.join(3000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
