package io.aof.common.events;

import java.util.Optional;
import java.util.Set;

/**
 * One Kafka topic of AOF: its name, the payload type on it and the services that publish on it. Keys are always
 * the incident id (or the recipe for recipe-level facts), so one incident's events stay in order on one
 * partition.
 *
 * @param publishers the services ({@code "collation"}, {@code "orchestrator"}, ...) whose outbox may append to
 *                   this topic; {@link io.aof.common.messaging.Outbox} refuses any other, so the catalogue stays
 *                   true, and the logger names the publisher of a record without the service header from it
 */
public record Topic<T extends AofEvent>(String name, Class<T> payloadType, Set<String> publishers) {

    public Topic {
        publishers = Set.copyOf(publishers);
        if (publishers.isEmpty()) {
            throw new IllegalArgumentException("topic " + name + " has no publisher");
        }
    }

    /** Dead-letter topic of this topic: bad messages go there, are logged and counted, never dropped. */
    public String deadLetterName() {
        return name + Topics.DLT_SUFFIX;
    }

    /** Whether {@code service} ("orchestrator", or its application name "orchestrator-service") publishes here. */
    public boolean publishedBy(String service) {
        return publishers.contains(Topics.serviceOf(service));
    }

    /** The one service that publishes on this topic; empty when several do. */
    public Optional<String> solePublisher() {
        return publishers.size() == 1 ? Optional.of(publishers.iterator().next()) : Optional.empty();
    }
}
