package io.aof.common.events;

import java.time.Instant;
import java.util.UUID;

/**
 * What every AOF event carries, whatever its topic: a unique id (consumers are
 * idempotent on it), when the fact happened, the schema version of the payload,
 * and where it belongs (workspace, recipe, job, incident, attempt).
 * Fields that do not apply to an event are null.
 */
public interface AofEvent {

    /** The payload schema version this code writes; readers refuse newer majors. */
    int SCHEMA_VERSION = 1;

    UUID eventId();

    Instant occurredAt();

    int schemaVersion();

    String workspace();

    Long recipeId();

    String jobId();

    String incidentId();

    /** The attempt number where one applies (1 = first repeat), else null. */
    Integer attempt();

    /** The record's simple name, used as the {@code type} field and header. */
    default String type() {
        return getClass().getSimpleName();
    }
}
