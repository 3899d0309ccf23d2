package io.aof.notifier;

import io.aof.common.ops.Actor;
import io.aof.common.ops.Problems;
import io.aof.common.text.ExternalText;
import io.aof.notifier.escalation.EscalationStore;
import io.aof.notifier.grouping.Digest;
import io.aof.notifier.grouping.SignatureStorms;
import io.aof.notifier.grouping.Storm;
import io.aof.notifier.intake.NotificationStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpStatus;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

import java.security.Principal;
import java.util.List;
import java.util.UUID;

/**
 * The notifier's own API: the full list of a digest (its messages link here), the signature storms and every
 * incident of one (a storm's messages link here),
 * the open super-admin escalations, and acknowledging one (it stops repeating),
 * and the notifications their destination refused for good.
 */
@RestController
public class NotifierController {

    private static final Logger log = LoggerFactory.getLogger(NotifierController.class);

    /** The most incidents of a storm one page lists. */
    static final int MAX_PAGE = 1000;

    private final NotificationStore notifications;
    private final EscalationStore escalations;
    private final NotifierActions actions;
    private final SignatureStorms storms;

    NotifierController(NotificationStore notifications, EscalationStore escalations, NotifierActions actions,
                       SignatureStorms storms) {
        this.notifications = notifications;
        this.escalations = escalations;
        this.actions = actions;
        this.storms = storms;
    }

    @GetMapping("/api/digests/{id}")
    Digest digest(@PathVariable String id) {
        UUID uuid;
        try {
            uuid = UUID.fromString(id);
        } catch (IllegalArgumentException e) {
            throw Problems.of(HttpStatus.BAD_REQUEST, "not a digest id: " + id);
        }
        return notifications.digest(uuid).orElseThrow(() -> Problems.of(HttpStatus.NOT_FOUND, "No digest " + id));
    }

    /** The signature storms of the last week in every destination, open ones first, then the latest; at most 100. */
    @GetMapping("/api/storms")
    public List<Storm> storms() {
        return storms.recent();
    }

    /**
     * A signature storm with its figures as of now, and a page of its incidents in the order they joined it (those
     * told on their own before the storm was recognised first): {@code limit} (at most {@value #MAX_PAGE}) from
     * {@code offset}; {@code next} is the next page's offset, null on the last page.
     */
    @GetMapping("/api/storms/{id}")
    public Storm.Page storm(@PathVariable String id, @RequestParam(defaultValue = "0") int offset,
                     @RequestParam(defaultValue = "500") int limit) {
        UUID uuid;
        try {
            uuid = UUID.fromString(id);
        } catch (IllegalArgumentException e) {
            throw Problems.of(HttpStatus.BAD_REQUEST, "not a storm id: " + ExternalText.field(id));
        }
        if (offset < 0 || limit < 1 || limit > MAX_PAGE) {
            throw Problems.of(HttpStatus.BAD_REQUEST, "offset must be 0 or more and limit 1 to " + MAX_PAGE);
        }
        return storms.page(uuid, offset, limit).orElseThrow(() -> Problems.of(HttpStatus.NOT_FOUND, "No storm "
                + uuid));
    }

    @GetMapping("/api/escalations")
    List<EscalationStore.Escalation> escalations() {
        return escalations.open();
    }

    /** Notifications their destination refused for good (newest first, at most 500): what the admin was told of. */
    @GetMapping("/api/notifications/failed")
    List<NotificationStore.Failed> failed() {
        return notifications.failed();
    }

    /** The answer to a retry: how many failed notifications are pending again, and who asked. */
    record QueuedAgain(int queuedAgain, String requestedBy) {
    }

    /**
     * Sends failed notifications again once their destination is fixed (the operator's role): one by id, or all
     * of {@code ?destination=slack:#ops}.
     */
    @PostMapping("/api/notifications/failed/retry")
    QueuedAgain retryFailed(@RequestParam(required = false) UUID id,
                            @RequestParam(required = false) String destination, Principal principal) {
        String actor = Actor.of(principal, null, "retry of failed notifications");
        if ((id == null) == (destination == null || destination.isBlank())) {
            throw Problems.of(HttpStatus.BAD_REQUEST, "say which: ?id=<notification id> or ?destination=<kind:target>");
        }
        int n = actions.retryFailed(actor, id, destination);
        log.info("{} queued {} failed notification(s) again ({})", actor, n, id != null ? id
                : "to " + ExternalText.field(destination));
        return new QueuedAgain(n, actor);
    }

    /**
     * {@code by} is what older scripts sent; the signed-in caller is recorded ({@link Actor}). {@code group}: the
     * open escalations of the incident's group (same recipe and category) are acknowledged with it.
     */
    record Ack(String by, String reason, Boolean group) {
    }

    /** The answer to an acknowledgement: whose escalation, acknowledged by whom, and every incident it covered. */
    record Acknowledged(String incidentId, String acknowledgedBy, List<String> acknowledged) {
    }

    /**
     * A bulk acknowledgement: {@code dryRun} true (the default) answers how many open escalations match and the
     * oldest few; false acknowledges them, and must name in {@code expectedCount} the count the dry run showed.
     */
    record BulkAck(EscalationStore.Filter filter, Boolean dryRun, Integer expectedCount, String by, String reason) {
    }

    @PostMapping("/api/escalations/bulk-ack")
    Object bulkAck(@RequestBody BulkAck body, Principal principal) {
        if (body == null || body.filter() == null) {
            throw io.aof.common.ops.Problems.of(org.springframework.http.HttpStatus.BAD_REQUEST,
                    "filter is required (recipeId, category, kind, from, to)");
        }
        if (body.dryRun() == null || body.dryRun()) {
            return actions.previewBulkAcknowledge(body.filter());
        }
        if (body.expectedCount() == null) {
            throw io.aof.common.ops.Problems.of(org.springframework.http.HttpStatus.BAD_REQUEST,
                    "expectedCount is required to act: the count the dry run showed");
        }
        String actor = Actor.of(principal, body.by(), "bulk acknowledgement of escalations");
        List<String> acked = actions.acknowledgeBulk(actor, body.filter(), body.expectedCount(), body.reason());
        log.info("{} acknowledged {} escalation(s) in bulk", actor, acked.size());
        return new Acknowledged(null, actor, acked);
    }

    @PostMapping("/api/escalations/{incidentId}/ack")
    Acknowledged ack(@PathVariable String incidentId, @RequestBody(required = false) Ack ack,
                     Principal principal) {
        String actor = Actor.of(principal, ack == null ? null : ack.by(), "acknowledgement of the escalation of "
                + incidentId);
        String reason = ack == null ? null : ack.reason();
        if (ack != null && Boolean.TRUE.equals(ack.group())) {
            List<String> acked = actions.acknowledgeGroup(actor, incidentId, reason);
            log.info("{} acknowledged the escalation of {} and its group: {} escalation(s)", actor, incidentId,
                    acked.size());
            return new Acknowledged(incidentId, actor, acked);
        }
        actions.acknowledge(actor, incidentId, reason);
        log.info("{} acknowledged the escalation of {}", actor, incidentId);
        return new Acknowledged(incidentId, actor, List.of(incidentId));
    }
}
