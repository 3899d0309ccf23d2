package io.aof.common.messaging;

import io.aof.common.events.AofEvent;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.support.TransactionTemplate;

import java.util.function.Consumer;

/**
 * Idempotent consumption: an event's effect is applied in the same transaction
 * that records (consumer, eventId) as processed. A redelivery (after a crash
 * before the offset commit, a rebalance, or a duplicate send by an outbox relay)
 * finds the row and changes nothing.
 */
public class Inbox {

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
}
