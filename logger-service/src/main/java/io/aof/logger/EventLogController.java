package io.aof.logger;

import io.aof.common.events.EventCodec;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.core.RowMapper;
import org.springframework.web.ErrorResponseException;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.databind.JsonNode;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

/** The event log for people: an incident's timeline and a job's history, oldest first. */
@RestController
class EventLogController {

    private static final int MAX_EVENTS = 1000;

    private static final RowMapper<LoggedEvent> MAPPER = (rs, i) -> new LoggedEvent(rs.getObject(1, UUID.class),
            rs.getString(2), rs.getString(3), rs.getTimestamp(4).toInstant(), rs.getString(5),
            (Integer) rs.getObject(6), rs.getString(7), EventCodec.readTree(rs.getString(8)));

    private static final String COLUMNS = "event_id, topic, event_type, occurred_at, incident_id, attempt, job_id, "
            + "payload::text";

    private final JdbcTemplate jdbc;

    EventLogController(JdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    record LoggedEvent(UUID eventId, String topic, String type, Instant occurredAt, String incidentId,
                       Integer attempt, String jobId, JsonNode payload) {
    }

    @GetMapping("/api/incidents/{incidentId}/timeline")
    List<LoggedEvent> timeline(@PathVariable String incidentId) {
        List<LoggedEvent> events = jdbc.query("SELECT " + COLUMNS + " FROM event_log WHERE incident_id = ? "
                + "ORDER BY occurred_at, id LIMIT ?", MAPPER, incidentId, MAX_EVENTS);
        if (events.isEmpty()) {
            throw new ErrorResponseException(HttpStatus.NOT_FOUND, ProblemDetail.forStatusAndDetail(
                    HttpStatus.NOT_FOUND, "No events logged for incident " + incidentId), null);
        }
        return events;
    }

    @GetMapping("/api/events")
    List<LoggedEvent> events(@RequestParam(required = false) String jobId,
                             @RequestParam(required = false) String type,
                             @RequestParam(defaultValue = "100") int limit) {
        if (limit < 1 || limit > MAX_EVENTS) {
            throw new ErrorResponseException(HttpStatus.BAD_REQUEST, ProblemDetail.forStatusAndDetail(
                    HttpStatus.BAD_REQUEST, "limit must be between 1 and " + MAX_EVENTS), null);
        }
        return jdbc.query("SELECT " + COLUMNS + " FROM event_log WHERE (?::text IS NULL OR job_id = ? "
                        + "OR payload->>'repeatJobId' = ?) AND (?::text IS NULL OR event_type = ?) "
                        + "ORDER BY occurred_at DESC, id DESC LIMIT ?",
                MAPPER, jobId, jobId, jobId, type, type, limit);
    }
}
