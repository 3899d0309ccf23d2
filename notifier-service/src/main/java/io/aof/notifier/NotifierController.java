package io.aof.notifier;

import io.aof.common.events.EventCodec;
import io.aof.common.ops.Actor;
import io.aof.common.ops.Problems;
import io.aof.common.text.ExternalText;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpStatus;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

import java.security.Principal;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * The notifier's own API: the full list of a digest (its messages link here),
 * the open super-admin escalations, and acknowledging one (it stops repeating),
 * and the notifications their destination refused for good.
 */
@RestController
class NotifierController {

    private static final Logger log = LoggerFactory.getLogger(NotifierController.class);

    private final JdbcTemplate jdbc;
    private final NotifierActions actions;

    NotifierController(JdbcTemplate jdbc, NotifierActions actions) {
        this.jdbc = jdbc;
        this.actions = actions;
    }

    @GetMapping("/api/digests/{id}")
    Digest digest(@PathVariable String id) {
        UUID uuid;
        try {
            uuid = UUID.fromString(id);
        } catch (IllegalArgumentException e) {
            throw Problems.of(HttpStatus.BAD_REQUEST, "not a digest id: " + id);
        }
        List<String> json = jdbc.queryForList("SELECT digest FROM notification WHERE id = ? AND digest IS NOT NULL "
                + "AND fallback_of IS NULL", String.class, uuid);
        if (json.isEmpty()) {
            throw Problems.of(HttpStatus.NOT_FOUND, "No digest " + id);
        }
        return EventCodec.mapper().readValue(json.get(0), Digest.class);
    }

    record Escalation(String incidentId, Instant openedAt, Instant nextRepeatAt, int repeats, Instant ackedAt,
                      String ackedBy) {
    }

    @GetMapping("/api/escalations")
    List<Escalation> escalations() {
        return jdbc.query("SELECT incident_id, opened_at, next_repeat_at, repeats, acked_at, acked_by FROM escalation "
                        + "WHERE closed_at IS NULL ORDER BY opened_at DESC LIMIT 500",
                (rs, i) -> new Escalation(rs.getString(1), rs.getTimestamp(2).toInstant(),
                        rs.getTimestamp(3).toInstant(), rs.getInt(4),
                        rs.getTimestamp(5) == null ? null : rs.getTimestamp(5).toInstant(), rs.getString(6)));
    }

    record Failed(UUID id, String destination, String kind, String incidentId, String reason, String error,
                  int attempts, Instant createdAt, Instant failedAt, boolean copiedToFallback) {
    }

    /** Notifications their destination refused for good (newest first, at most 500): what the admin was told of. */
    @GetMapping("/api/notifications/failed")
    List<Failed> failed() {
        return jdbc.query("SELECT id, channel, kind, incident_id, failed_reason, last_error, attempts, created_at, "
                        + "failed_at, fallback_queued FROM notification WHERE state = 'FAILED' "
                        + "ORDER BY failed_at DESC LIMIT 500",
                (rs, i) -> new Failed(rs.getObject(1, UUID.class), rs.getString(2), rs.getString(3), rs.getString(4),
                        rs.getString(5), rs.getString(6), rs.getInt(7), rs.getTimestamp(8).toInstant(),
                        rs.getTimestamp(9).toInstant(), rs.getBoolean(10)));
    }

    /**
     * Sends failed notifications again once their destination is fixed (the operator's role): one by id, or all
     * of {@code ?destination=slack:#ops}.
     */
    @PostMapping("/api/notifications/failed/retry")
    Map<String, Object> retryFailed(@RequestParam(required = false) UUID id,
                                    @RequestParam(required = false) String destination, Principal principal) {
        String actor = Actor.of(principal, null, "retry of failed notifications");
        if ((id == null) == (destination == null || destination.isBlank())) {
            throw Problems.of(HttpStatus.BAD_REQUEST, "say which: ?id=<notification id> or ?destination=<kind:target>");
        }
        int n = actions.retryFailed(actor, id, destination);
        log.info("{} queued {} failed notification(s) again ({})", actor, n, id != null ? id
                : "to " + ExternalText.field(destination));
        return Map.of("queuedAgain", n, "requestedBy", actor);
    }

    /** {@code by} is what older scripts sent; the signed-in caller is recorded ({@link Actor}). */
    record Ack(String by, String reason) {
    }

    @PostMapping("/api/escalations/{incidentId}/ack")
    Map<String, Object> ack(@PathVariable String incidentId, @RequestBody(required = false) Ack ack,
                            Principal principal) {
        String actor = Actor.of(principal, ack == null ? null : ack.by(), "acknowledgement of the escalation of "
                + incidentId);
        actions.acknowledge(actor, incidentId, ack == null ? null : ack.reason());
        log.info("{} acknowledged the escalation of {}", actor, incidentId);
        return Map.of("incidentId", incidentId, "acknowledgedBy", actor);
    }
}
