package io.aof.common.messaging;

import io.aof.common.events.AofEvent;
import io.aof.common.events.EventCodec;
import io.aof.common.events.Topic;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.annotation.Propagation;
import org.springframework.transaction.annotation.Transactional;

import java.util.UUID;

/**
 * Appends events to the service's outbox table. Must run inside the transaction
 * that changes the state the event reports, so the state change and the event
 * are committed together or not at all; {@link OutboxRelay} sends them.
 */
public class Outbox {

    private final JdbcTemplate jdbc;
    /** The service appending, checked against each topic's publishers in the catalogue; null: not checked. */
    private final String service;

    /** An outbox that appends to any topic (tests that write a service's rows by hand). */
    public Outbox(JdbcTemplate jdbc) {
        this(jdbc, null);
    }

    /**
     * The outbox of {@code service}: appending to a topic the catalogue ({@link io.aof.common.events.Topics}) does
     * not list it as a publisher of is a programming error, refused before anything is written.
     */
    public Outbox(JdbcTemplate jdbc, String service) {
        this.jdbc = jdbc;
        this.service = service;
    }

    @Transactional(propagation = Propagation.MANDATORY)
    public <T extends AofEvent> void append(Topic<T> topic, T event) {
        append(topic, event.incidentId() != null ? event.incidentId() : String.valueOf(event.recipeId()), event);
    }

    @Transactional(propagation = Propagation.MANDATORY)
    public <T extends AofEvent> void append(Topic<T> topic, String key, T event) {
        if (service != null && !topic.publishedBy(service)) {
            throw new IllegalStateException(service + " may not publish on " + topic.name() + ": the topic catalogue "
                    + "(Topics) lists its publishers as " + topic.publishers());
        }
        jdbc.update("INSERT INTO outbox (event_id, topic, message_key, event_type, payload) VALUES (?, ?, ?, ?, ?)",
                event.eventId(), topic.name(), key, event.type(), EventCodec.encode(event));
    }

    /**
     * Appends a record that is already encoded (a dead letter re-driven to its original topic with its original
     * key and payload). Returns false when a row with that event id is already waiting in the outbox.
     */
    @Transactional(propagation = Propagation.MANDATORY)
    public boolean appendEncoded(String topic, String key, UUID eventId, String eventType, String payload) {
        return jdbc.update("INSERT INTO outbox (event_id, topic, message_key, event_type, payload) "
                + "VALUES (?, ?, ?, ?, ?) ON CONFLICT (event_id) DO NOTHING", eventId, topic, key, eventType,
                payload) == 1;
    }
}
