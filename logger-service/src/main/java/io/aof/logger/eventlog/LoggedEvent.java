package io.aof.logger.eventlog;

import tools.jackson.databind.JsonNode;

import java.time.Instant;
import java.util.UUID;

/**
 * One record of the event log as people read it ({@code /api/events}, timelines, job histories): the columns they
 * filter on and the stored payload. The payload stays a JSON tree: every event type has its own fields, and
 * records from outside AOF have any.
 *
 * @param seq the row's id, the tie-breaker of the keyset page
 */
record LoggedEvent(long seq, UUID eventId, String topic, String type, Instant occurredAt, String incidentId,
                   Integer attempt, String jobId, Long recipeId, String category, String service,
                   JsonNode payload) {
}
