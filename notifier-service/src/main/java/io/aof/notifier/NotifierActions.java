package io.aof.notifier;

import io.aof.common.events.OperatorActed;
import io.aof.common.events.OperatorActed.Action;
import io.aof.common.events.Topics;
import io.aof.common.messaging.AofProperties;
import io.aof.common.messaging.Outbox;
import io.aof.common.ops.Problems;
import io.aof.common.text.ExternalText;
import org.springframework.http.HttpStatus;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

import java.util.UUID;

/**
 * What an operator does through the notifier, each in one transaction with its audit record
 * ({@link OperatorActed} on the outbox, kept by the logger: {@code GET /api/audit}).
 */
@Component
class NotifierActions {

    private final JdbcTemplate jdbc;
    private final TransactionTemplate tx;
    private final NotificationStore store;
    private final Outbox outbox;
    private final String workspace;

    NotifierActions(JdbcTemplate jdbc, TransactionTemplate tx, NotificationStore store, Outbox outbox,
                    AofProperties aof) {
        this.jdbc = jdbc;
        this.tx = tx;
        this.store = store;
        this.outbox = outbox;
        this.workspace = aof.workspace();
    }

    /** Failed notifications queued again (one by id, or all of a destination); how many. 404 when none. */
    int retryFailed(String actor, UUID id, String destination) {
        Integer n = tx.execute(s -> {
            int queued = store.requeueFailed(id, destination);
            if (queued > 0) {
                audit(actor, Action.NOTIFICATION_RETRY, null, queued + " failed notification(s) "
                        + (id != null ? id.toString() : "to " + ExternalText.field(destination)), null);
            }
            return queued;
        });
        if (n == null || n == 0) {
            throw Problems.of(HttpStatus.NOT_FOUND, "No failed notification "
                    + (id != null ? id : "to " + ExternalText.field(destination)));
        }
        return n;
    }

    /** The escalation of {@code incidentId} acknowledged: its reminders stop. 404 none, 409 already. */
    void acknowledge(String actor, String incidentId, String reason) {
        Boolean done = tx.execute(s -> {
            if (jdbc.update("UPDATE escalation SET acked_at = now(), acked_by = ? WHERE incident_id = ? "
                    + "AND closed_at IS NULL AND acked_at IS NULL", actor, incidentId) == 0) {
                return false;
            }
            audit(actor, Action.ESCALATION_ACK, incidentId, "escalation of " + incidentId,
                    reason == null ? null : ExternalText.field(reason));
            return true;
        });
        if (!Boolean.TRUE.equals(done)) {
            boolean exists = !jdbc.queryForList("SELECT 1 FROM escalation WHERE incident_id = ?", Integer.class,
                    incidentId).isEmpty();
            throw exists ? Problems.of(HttpStatus.CONFLICT, "Escalation of " + incidentId
                    + " is already acknowledged or resolved")
                    : Problems.of(HttpStatus.NOT_FOUND, "No escalation for incident " + incidentId);
        }
    }

    private void audit(String actor, Action action, String incidentId, String target, String reason) {
        OperatorActed acted = OperatorActed.of(workspace, actor, action, incidentId, null, target, reason);
        outbox.append(Topics.OPERATOR_ACTIONS, acted.key(), acted);
    }
}
