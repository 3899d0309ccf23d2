package io.aof.common.messaging;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.transaction.support.TransactionTemplate;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Sends outbox rows to Kafka and deletes them once the broker has acknowledged
 * them (acks=all). Rows are locked with {@code FOR UPDATE SKIP LOCKED}, so
 * several instances relay without sending a row twice at the same time. A crash
 * after the send and before the delete sends the row again on restart: consumers
 * are idempotent on the event id, so the event takes effect once.
 */
public class OutboxRelay {

    private static final Logger log = LoggerFactory.getLogger(OutboxRelay.class);

    private final JdbcTemplate jdbc;
    private final TransactionTemplate tx;
    private final KafkaTemplate<String, String> kafka;
    private final int batchSize;
    private final Counter published;

    public OutboxRelay(JdbcTemplate jdbc, TransactionTemplate tx, KafkaTemplate<String, String> kafka,
                       int batchSize, MeterRegistry meters) {
        this.jdbc = jdbc;
        this.tx = tx;
        this.kafka = kafka;
        this.batchSize = batchSize;
        this.published = Counter.builder("aof.outbox.published").description("events relayed from the outbox to Kafka")
                .register(meters);
    }

    @Scheduled(fixedDelayString = "${aof.outbox.poll-interval:200ms}")
    public void relay() {
        try {
            int sent;
            do {
                sent = relayBatch();
            } while (sent == batchSize);
        } catch (RuntimeException e) {
            log.warn("Outbox relay failed, will retry: {}", e.toString());
        }
    }

    /** Relays one batch; returns how many rows were sent. */
    public int relayBatch() {
        Integer count = tx.execute(status -> {
            List<Row> rows = jdbc.query("SELECT id, event_id, topic, message_key, event_type, payload FROM outbox "
                            + "ORDER BY id LIMIT ? FOR UPDATE SKIP LOCKED",
                    (rs, i) -> new Row(rs.getLong(1), rs.getObject(2, UUID.class), rs.getString(3), rs.getString(4),
                            rs.getString(5), rs.getString(6)), batchSize);
            if (rows.isEmpty()) {
                return 0;
            }
            List<CompletableFuture<?>> sends = new ArrayList<>(rows.size());
            for (Row row : rows) {
                ProducerRecord<String, String> record = new ProducerRecord<>(row.topic, row.key, row.payload);
                record.headers().add(new RecordHeader(Headers.EVENT_TYPE, row.type.getBytes(StandardCharsets.UTF_8)));
                record.headers().add(new RecordHeader(Headers.EVENT_ID,
                        row.eventId.toString().getBytes(StandardCharsets.UTF_8)));
                sends.add(kafka.send(record));
            }
            try {
                CompletableFuture.allOf(sends.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while relaying the outbox", e);
            } catch (Exception e) {
                throw new IllegalStateException("Kafka did not acknowledge outbox events: " + e.getMessage(), e);
            }
            jdbc.batchUpdate("DELETE FROM outbox WHERE id = ?", rows, rows.size(),
                    (ps, row) -> ps.setLong(1, row.id));
            published.increment(rows.size());
            return rows.size();
        });
        return count == null ? 0 : count;
    }

    private record Row(long id, UUID eventId, String topic, String key, String type, String payload) {
    }
}
