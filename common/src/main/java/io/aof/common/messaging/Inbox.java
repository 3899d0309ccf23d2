package io.aof.common.messaging;

import io.aof.common.events.AofEvent;
import io.aof.common.events.EventCodec;
import io.aof.common.events.Topic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.kafka.listener.BatchListenerFailedException;
import org.springframework.transaction.support.TransactionTemplate;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.function.BiConsumer;
import java.util.function.Consumer;

/**
 * Idempotent consumption: an event's effect is applied in the same transaction
 * that records (consumer, eventId) as processed. A redelivery (after a crash
 * before the offset commit, a rebalance, or a duplicate send by an outbox relay)
 * finds the row and changes nothing.
 */
public class Inbox {

    private static final Logger log = LoggerFactory.getLogger(Inbox.class);

    private final JdbcTemplate jdbc;
    private final TransactionTemplate tx;

    public Inbox(JdbcTemplate jdbc, TransactionTemplate tx) {
        this.jdbc = jdbc;
        this.tx = tx;
    }

    /**
     * Runs {@code effect} in a transaction unless this consumer has already
     * processed the event. Returns true when the effect ran.
     */
    public <T extends AofEvent> boolean once(String consumer, T event, Consumer<T> effect) {
        Boolean ran = tx.execute(status -> {
            int inserted = jdbc.update(
                    "INSERT INTO processed_event (consumer, event_id) VALUES (?, ?) ON CONFLICT DO NOTHING",
                    consumer, event.eventId());
            if (inserted == 0) {
                return false;
            }
            effect.accept(event);
            return true;
        });
        return Boolean.TRUE.equals(ran);
    }

    /**
     * A poll of records of {@code topic} (a batch listener's), decoded and applied
     * once each as {@link #onceEach} does; the effect also gets the record's text.
     * A record that cannot be decoded fails alone: the records before it are
     * applied, then it is reported by its index (dead-lettered at once by the
     * error handler, the rest delivered again).
     */
    public <T extends AofEvent> int onceEachRecord(String consumer, Topic<T> topic,
                                                   List<ConsumerRecord<String, String>> records,
                                                   BiConsumer<T, String> effect) {
        List<T> events = new ArrayList<>(records.size());
        Map<UUID, String> texts = new HashMap<>();
        Consumer<T> withText = e -> effect.accept(e, texts.get(e.eventId()));
        for (int i = 0; i < records.size(); i++) {
            ConsumerRecord<String, String> r = records.get(i);
            T event;
            try {
                event = EventCodec.decode(topic, r.value());
            } catch (RuntimeException e) {
                onceEach(consumer, events, withText);   // the ones before it
                throw new BatchListenerFailedException("record " + r.topic() + "-" + r.partition() + "@"
                        + r.offset() + " cannot be read: " + Failures.rootMessage(e), e, i);
            }
            events.add(event);
            texts.putIfAbsent(event.eventId(), r.value());
        }
        return onceEach(consumer, events, withText);
    }

    /**
     * A polled batch of events, once each, in one transaction: the inbox rows in
     * one statement, then each new event's effect in order (an event id given
     * twice runs once). If the transaction fails and the database is available,
     * the events are applied again one by one, each in a transaction of its own,
     * so a failing event fails alone: the ones before it are committed and it
     * is reported by its index ({@link BatchListenerFailedException}: the
     * container commits the offsets before it, retries or dead-letters it, and
     * delivers the rest again). If the database is unavailable the whole batch
     * is reported from its first event (a deadlock or lock conflict is not
     * that: it falls back to one by one). Metrics an effect counts in a poll
     * that is rolled back and applied again are counted twice. Returns how many
     * effects ran.
     */
    public <T extends AofEvent> int onceEach(String consumer, List<T> events, Consumer<T> effect) {
        if (events.isEmpty()) {
            return 0;
        }
        try {
            Integer ran = tx.execute(status -> {
                UUID[] ids = events.stream().map(AofEvent::eventId).distinct().toArray(UUID[]::new);
                Set<UUID> fresh = new HashSet<>(jdbc.query(con -> {
                    var ps = con.prepareStatement("INSERT INTO processed_event (consumer, event_id) "
                            + "SELECT ?, unnest(?::uuid[]) ON CONFLICT DO NOTHING RETURNING event_id");
                    ps.setString(1, consumer);
                    ps.setArray(2, con.createArrayOf("uuid", ids));
                    return ps;
                }, (rs, i) -> rs.getObject(1, UUID.class)));
                int n = 0;
                for (T event : events) {
                    if (fresh.remove(event.eventId())) {
                        effect.accept(event);
                        n++;
                    }
                }
                return n;
            });
            return ran == null ? 0 : ran;
        } catch (RuntimeException batchFailed) {
            // the database unavailable: the whole poll again later; a deadlock or lock conflict between this poll's
            // events and another transaction: one by one, like any other failure of the poll
            if (Failures.isInfrastructure(batchFailed) && !Failures.isConflict(batchFailed)) {
                throw new BatchListenerFailedException("the database is unavailable: "
                        + Failures.rootMessage(batchFailed), batchFailed, 0);
            }
            log.info("A batch of {} events failed as a whole ({}); applying them one by one", events.size(),
                    Failures.rootMessage(batchFailed));
        }
        int n = 0;
        for (int i = 0; i < events.size(); i++) {
            try {
                n += once(consumer, events.get(i), effect) ? 1 : 0;
            } catch (RuntimeException e) {
                throw new BatchListenerFailedException("event " + events.get(i).eventId() + " failed: "
                        + Failures.rootMessage(e), e, i);
            }
        }
        return n;
    }
}
