package io.aof.notifier;

import io.aof.common.events.OperatorActed.Action;
import io.aof.common.events.OperatorActed;
import io.aof.common.events.Topics;
import io.aof.common.messaging.AofProperties;
import io.aof.common.messaging.Outbox;
import io.aof.common.ops.DomainException;
import io.aof.common.text.ExternalText;
import io.aof.notifier.escalation.EscalationStore;
import io.aof.notifier.intake.NotificationStore;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

import java.util.List;
import java.util.UUID;

/**
 * What an operator does through the notifier, each in one transaction with its audit record
 * ({@link OperatorActed} on the outbox, kept by the logger: {@code GET /api/audit}).
 */
@Component
public class NotifierActions {

    private final TransactionTemplate tx;
    private final NotificationStore notifications;
    private final EscalationStore escalations;
    private final Outbox outbox;
    private final String workspace;

    public NotifierActions(TransactionTemplate tx, NotificationStore notifications, EscalationStore escalations,
                    Outbox outbox, AofProperties aof) {
        this.tx = tx;
        this.notifications = notifications;
        this.escalations = escalations;
        this.outbox = outbox;
        this.workspace = aof.workspace();
    }

    /** Failed notifications queued again (one by id, or all of a destination); how many. 404 when none. */
    int retryFailed(String actor, UUID id, String destination) {
        Integer n = tx.execute(s -> {
            int queued = notifications.requeueFailed(id, destination);
            if (queued > 0) {
                audit(actor, Action.NOTIFICATION_RETRY, null, queued + " failed notification(s) "
                        + (id != null ? id.toString() : "to " + ExternalText.field(destination)), null);
            }
            return queued;
        });
        if (n == null || n == 0) {
            throw DomainException.notFound("No failed notification "
                    + (id != null ? id : "to " + ExternalText.field(destination)));
        }
        return n;
    }

    /** The escalation of {@code incidentId} acknowledged: its reminders stop. 404 none, 409 already. */
    public void acknowledge(String actor, String incidentId, String reason) {
        Boolean done = tx.execute(s -> {
            if (!escalations.acknowledge(incidentId, actor)) {
                return false;
            }
            audit(actor, Action.ESCALATION_ACK, incidentId, "escalation of " + incidentId,
                    reason == null ? null : ExternalText.field(reason));
            return true;
        });
        if (!Boolean.TRUE.equals(done)) {
            throw notAcknowledged(incidentId);
        }
    }

    /**
     * The escalation of {@code incidentId} and every other open one of its group (same recipe and category)
     * acknowledged at once: their reminders stop. Each is audited under its incident. The incidents acknowledged,
     * oldest first. 404 none, 409 already.
     */
    public List<String> acknowledgeGroup(String actor, String incidentId, String reason) {
        List<String> acked = tx.execute(s -> {
            List<String> incidents = escalations.acknowledgeGroup(incidentId, actor);
            String why = reason == null ? null : ExternalText.field(reason);
            for (String i : incidents) {
                audit(actor, Action.ESCALATION_ACK, i, "escalation of " + i + (incidents.size() > 1
                        ? " (with its group: " + incidents.size() + " escalations acknowledged from " + incidentId
                        + ")" : ""), why);
            }
            return incidents;
        });
        if (acked == null || acked.isEmpty()) {
            throw notAcknowledged(incidentId);
        }
        return acked;
    }

    /** Why nothing of {@code incidentId}'s escalation was acknowledged: 409 it was already, 404 it has none. */
    private DomainException notAcknowledged(String incidentId) {
        return escalations.exists(incidentId)
                ? DomainException.conflict("Escalation of " + incidentId + " is already acknowledged or resolved")
                : DomainException.notFound("No escalation for incident " + incidentId);
    }

    /** What a bulk acknowledgement's dry run found: how many open escalations match, and the oldest few. */
    public record BulkPreview(int matched, List<String> sample) {
    }

    public BulkPreview previewBulkAcknowledge(EscalationStore.Filter filter) {
        requireFilter(filter);
        EscalationStore.Matching m = escalations.matching(filter, 20);
        return new BulkPreview(m.count(), m.sample());
    }

    /**
     * Every open, unacknowledged escalation the filter matches acknowledged at once, each audited under its
     * incident; refused (409, nothing changed) when they are not {@code expectedCount} any more, the count the
     * dry run showed. The incidents acknowledged, oldest first.
     */
    public List<String> acknowledgeBulk(String actor, EscalationStore.Filter filter, int expectedCount, String reason) {
        requireFilter(filter);
        String why = reason == null ? null : ExternalText.field(reason);
        return tx.execute(s -> {
            int matched = escalations.matching(filter, 0).count();
            if (matched != expectedCount) {
                throw DomainException.conflict("The filter matches " + matched + " open escalations now, not the "
                        + expectedCount + " given: run the dry run again and send the count it shows");
            }
            List<String> acked = escalations.acknowledgeMatching(filter, actor);
            for (String i : acked) {
                audit(actor, Action.ESCALATION_ACK, i, "escalation of " + i + " (bulk: " + acked.size()
                        + " escalations acknowledged)", why);
            }
            return acked;
        });
    }

    private static void requireFilter(EscalationStore.Filter filter) {
        if (filter == null || filter.isEmpty()) {
            throw DomainException.invalid("A bulk acknowledgement needs at least one filter (recipeId, category, "
                    + "kind, from, to)");
        }
    }

    private void audit(String actor, Action action, String incidentId, String target, String reason) {
        OperatorActed acted = OperatorActed.of(workspace, actor, action, incidentId, null, target, reason);
        outbox.append(Topics.OPERATOR_ACTIONS, acted.key(), acted);
    }
}
