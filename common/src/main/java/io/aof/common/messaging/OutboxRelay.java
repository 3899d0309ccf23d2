package io.aof.common.messaging;

import io.aof.common.events.NotificationRequested;
import io.aof.common.events.NotificationRequested.Kind;
import io.aof.common.events.Topic;
import io.aof.common.events.Topics;
import io.aof.common.text.ExternalText;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
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
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Sends outbox rows to Kafka and deletes them once the broker has acknowledged
 * them (acks=all).
 * <ul>
 *   <li>One relay per service at a time: each round's transaction first takes a
 *   PostgreSQL advisory lock of the service's schema ({@code pg_try_advisory_xact_lock});
 *   an instance that does not get it skips the round. So rows go out in id order
 *   with any number of instances, and a backlog keeps per-key order (two relays
 *   each taking their own rows would let a later event of an incident overtake an
 *   earlier one). The lock ends with the transaction, so when the instance that
 *   held it dies, the next round of another instance takes over.</li>
 *   <li>Each row's result counts on its own (the rows of a round are sent
 *   pipelined): acknowledged rows are deleted; a row Kafka refuses for good
 *   ({@link Failures#sendCannotSucceed}: too large, a refused topic, ...) is
 *   moved to {@code outbox_parked} with the error, in the transaction that deletes
 *   it, counted ({@code aof.outbox.parked}) and told to the super admin (an
 *   {@code AOF_TROUBLE} notification appended in the same transaction, whose
 *   trouble id names the {@code aof.outbox.alert-quiet-period} it falls in, so the
 *   notifier tells it once per period), so one bad row never holds back
 *   the others. At the first row that failed otherwise (broker down, timeout) the
 *   round stops: that row and all after it stay and are sent again, in order, next
 *   round.</li>
 * </ul>
 * A row sent again (after a crash between send and delete, or after a later row
 * of a round failed) reaches consumers twice; they are idempotent on the event
 * id, so it takes effect once. {@code aof.outbox.backlog} and
 * {@code aof.outbox.oldest.age} tell how far behind the relay is.
 */
public class OutboxRelay {

    private static final Logger log = LoggerFactory.getLogger(OutboxRelay.class);

    /** First key of the advisory lock (the second is the schema's hash): "AOF" and 1. */
    static final int LOCK_CLASS = 0x414F4601;

    private final JdbcTemplate jdbc;
    private final TransactionTemplate tx;
    private final KafkaTemplate<String, String> kafka;
    private final AofProperties.Outbox settings;
    private final String workspace;
    private final String service;
    private final MeterRegistry meters;
    private final java.time.Clock clock;
    private final Counter published;
    private final Map<String, Counter> parked = new ConcurrentHashMap<>();
    private final AtomicLong backlog = new AtomicLong();
    private final AtomicLong oldestAgeSeconds = new AtomicLong();

    public OutboxRelay(JdbcTemplate jdbc, TransactionTemplate tx, KafkaTemplate<String, String> kafka,
                       AofProperties.Outbox settings, String workspace, String service, MeterRegistry meters) {
        this(jdbc, tx, kafka, settings, workspace, service, meters, java.time.Clock.systemUTC());
    }

    /** A relay whose parking alerts are dated (and their quiet periods counted) on {@code clock}. */
    public OutboxRelay(JdbcTemplate jdbc, TransactionTemplate tx, KafkaTemplate<String, String> kafka,
                       AofProperties.Outbox settings, String workspace, String service, MeterRegistry meters,
                       java.time.Clock clock) {
        this.clock = clock;
        this.jdbc = jdbc;
        this.tx = tx;
        this.kafka = kafka;
        this.settings = settings;
        this.workspace = workspace;
        this.service = service;
        this.meters = meters;
        this.published = Counter.builder("aof.outbox.published").description("events relayed from the outbox to Kafka")
                .register(meters);
        for (Topic<?> topic : Topics.ALL) {
            parkedCounter(topic.name());
        }
        Gauge.builder("aof.outbox.backlog", backlog, AtomicLong::get)
                .description("rows waiting in the outbox (refreshed every aof.outbox.gauge-interval)").register(meters);
        Gauge.builder("aof.outbox.oldest.age", oldestAgeSeconds, AtomicLong::get)
                .description("age in seconds of the oldest row waiting in the outbox, 0 when empty").register(meters);
    }

    @Scheduled(fixedDelayString = "${aof.outbox.poll-interval:200ms}")
    public void relay() {
        try {
            int sent;
            do {
                sent = relayBatch();
            } while (sent == settings.batchSize());
        } catch (RuntimeException e) {
            log.warn("Outbox relay failed, will retry: {}", e.toString());
        }
    }

    @Scheduled(fixedDelayString = "${aof.outbox.gauge-interval:15s}")
    public void measure() {
        try {
            jdbc.query("SELECT count(*), COALESCE(EXTRACT(EPOCH FROM now() - min(created_at)), 0) FROM outbox",
                    rs -> {
                        backlog.set(rs.getLong(1));
                        oldestAgeSeconds.set(Math.max(0, (long) rs.getDouble(2)));
                    });
        } catch (RuntimeException e) {
            log.warn("Could not measure the outbox backlog: {}", e.toString());
        }
    }

    /**
     * Relays one round; returns how many rows left the outbox (sent or parked), or -1 when another instance
     * holds the relay lock.
     */
    public int relayBatch() {
        Integer count = tx.execute(status -> {
            Boolean mine = jdbc.queryForObject("SELECT pg_try_advisory_xact_lock(?, hashtext(current_schema()))",
                    Boolean.class, LOCK_CLASS);
            if (!Boolean.TRUE.equals(mine)) {
                return -1;
            }
            List<Row> rows = jdbc.query("SELECT id, event_id, topic, message_key, event_type, payload, created_at "
                            + "FROM outbox ORDER BY id LIMIT ? FOR UPDATE",
                    (rs, i) -> new Row(rs.getLong(1), rs.getObject(2, UUID.class), rs.getString(3), rs.getString(4),
                            rs.getString(5), rs.getString(6), rs.getTimestamp(7)), settings.batchSize());
            if (rows.isEmpty()) {
                return 0;
            }
            List<CompletableFuture<?>> sends = new ArrayList<>(rows.size());
            for (Row row : rows) {
                CompletableFuture<?> send = send(row);
                sends.add(send);
                if (send.isCompletedExceptionally() && !Failures.sendCannotSucceed(outcome(send, System.nanoTime()))) {
                    // Kafka unreachable: each further send would wait max.block.ms for metadata in vain
                    break;
                }
            }
            long deadline = System.nanoTime() + settings.sendTimeout().toNanos();
            List<Row> sent = new ArrayList<>(rows.size());
            List<Parked> refused = new ArrayList<>();
            for (int i = 0; i < sends.size(); i++) {
                Row row = rows.get(i);
                Throwable failure = outcome(sends.get(i), deadline);
                if (failure == null) {
                    sent.add(row);
                } else if (Failures.sendCannotSucceed(failure)) {
                    refused.add(new Parked(row, Failures.rootMessage(failure)));
                } else {
                    log.warn("Kafka did not acknowledge outbox row {} ({} to {}); it and the {} row(s) after it are "
                                    + "sent again next round: {}", row.id, row.type, row.topic, rows.size() - i - 1,
                            Failures.rootMessage(failure));
                    break;
                }
            }
            if (!sent.isEmpty()) {
                Long[] ids = sent.stream().map(Row::id).toArray(Long[]::new);
                jdbc.update(con -> {   // one statement for the round, not one per row
                    var ps = con.prepareStatement("DELETE FROM outbox WHERE id = ANY(?)");
                    ps.setArray(1, con.createArrayOf("bigint", ids));
                    return ps;
                });
                published.increment(sent.size());
            }
            if (!refused.isEmpty()) {
                park(refused);
            }
            return sent.size() + refused.size();
        });
        return count == null ? 0 : count;
    }

    private CompletableFuture<?> send(Row row) {
        try {
            ProducerRecord<String, String> record = new ProducerRecord<>(row.topic, row.key, row.payload);
            record.headers().add(new RecordHeader(Headers.EVENT_TYPE, row.type.getBytes(StandardCharsets.UTF_8)));
            record.headers().add(new RecordHeader(Headers.EVENT_ID,
                    row.eventId.toString().getBytes(StandardCharsets.UTF_8)));
            record.headers().add(new RecordHeader(Headers.SERVICE, service.getBytes(StandardCharsets.UTF_8)));
            return kafka.send(record);
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /** Null when the send was acknowledged before the deadline, else why not. */
    private static Throwable outcome(CompletableFuture<?> send, long deadline) {
        try {
            send.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            return null;
        } catch (ExecutionException e) {
            return e.getCause() != null ? e.getCause() : e;
        } catch (TimeoutException e) {
            return new TimeoutException("no acknowledgement within the send timeout");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return e;
        }
    }

    /** Moves rows Kafka refused for good to outbox_parked (same transaction as their delete) and tells the admin. */
    private void park(List<Parked> refused) {
        for (Parked p : refused) {
            jdbc.update("INSERT INTO outbox_parked (id, event_id, topic, message_key, event_type, payload, created_at, "
                            + "error) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING",
                    p.row.id, p.row.eventId, p.row.topic, p.row.key, p.row.type, p.row.payload, p.row.createdAt,
                    ExternalText.error(p.error));
            jdbc.update("DELETE FROM outbox WHERE id = ?", p.row.id);
            parkedCounter(p.row.topic).increment();
            log.error("Kafka refused outbox row {} ({} {} to {}, {} chars) for good; it is parked in outbox_parked "
                            + "and the rows after it flow on: {}", p.row.id, p.row.type, p.row.eventId, p.row.topic,
                    p.row.payload.length(), p.error);
        }
        // one trouble per quiet period (its id names the period): the notifier delivers a dedup key once per
        // destination, so the parkings of one burst tell the admin once, repeated until acknowledged
        Parked first = refused.get(0);
        long bucket = clock.instant().getEpochSecond()
                / Math.max(1, settings.alertQuietPeriod().toSeconds());
        String troubleId = "aof:" + service + ":outbox-parked:" + bucket;
        String detail = refused.size() + " event(s) of " + service + " were refused by Kafka for good and "
                + "parked (table outbox_parked of the service's schema); the events after them flow on. First: "
                + first.row.type + " " + first.row.eventId + " to " + first.row.topic + " ("
                + first.row.payload.length() + " chars): " + first.error
                + "\nFurther parkings in the same " + settings.alertQuietPeriod() + " are counted "
                + "(aof.outbox.parked) but not told again.";
        new Outbox(jdbc).append(Topics.NOTIFICATION_REQUESTS, NotificationRequested.trouble(workspace, troubleId,
                Kind.AOF_TROUBLE, "Events parked in " + service + ": Kafka refused them",
                ExternalText.error(detail)));
    }

    private Counter parkedCounter(String topic) {
        return parked.computeIfAbsent(topic, t -> Counter.builder("aof.outbox.parked")
                .description("outbox rows Kafka refused for good, moved to outbox_parked").tag("topic", t)
                .register(meters));
    }

    private record Row(long id, UUID eventId, String topic, String key, String type, String payload,
                       Timestamp createdAt) {
    }

    private record Parked(Row row, String error) {
    }
}
