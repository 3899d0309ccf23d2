package io.aof.notifier.escalation;

import io.aof.common.events.EventCodec;
import io.aof.common.events.NotificationRequested.Audience;
import io.aof.common.events.NotificationRequested.Kind;
import io.aof.common.events.NotificationRequested;
import io.aof.common.events.Topics;
import io.aof.notifier.NotifierProperties;
import io.aof.notifier.delivery.ReportFormat;
import io.aof.notifier.grouping.Grouping;
import io.aof.notifier.grouping.SignatureStorms;
import io.aof.notifier.intake.NotificationStore;
import io.micrometer.core.instrument.MeterRegistry;
import org.springframework.stereotype.Component;

import java.time.Clock;
import java.time.Duration;
import java.util.Set;
import java.util.UUID;

/**
 * Super-admin escalations: an escalating alert to the super admin (exhausted, not retryable, recipe stopped,
 * AOF's own trouble, an outage's start) opens one for its incident; it is told again every
 * {@code escalation.repeat-interval}, in
 * the destinations the alert went to, until acknowledged ({@code POST /api/escalations/{incident}/ack}), resolved,
 * or repeated {@code max-repeats} times. A reminder goes through storm control as the alert did ({@link Grouping}):
 * in the incident's own thread, or, for an incident told in its group's digests, in the group's next digest, so
 * that a hundred escalated incidents of one recipe are one reminder, not a hundred; for an incident told inside a
 * signature storm ({@link SignatureStorms}), in the storm's next follow-up, one reply in its thread for all of them
 * (never only an edit of its first message: a reminder is for a person to hear again). Being told inside a storm
 * changes nothing else: an escalating alert opens its escalation there as anywhere.
 */
@Component
public class Escalations {

    private static final Set<Kind> ESCALATING = Set.of(Kind.EXHAUSTED, Kind.NON_RETRYABLE, Kind.RECIPE_STOPPED,
            Kind.AOF_TROUBLE, Kind.OUTAGE_STARTED);

    /** What a reminder's dedup key adds to its alert's: made here only ({@link #queueRepeats}). */
    private static final String REPEAT = ":repeat:";

    /** Whether {@code n} is an escalation's reminder (a copy of its alert told again), not the alert itself. */
    public static boolean isRepeat(NotificationRequested n) {
        return n.dedupKey() != null && n.dedupKey().contains(REPEAT);
    }

    private final EscalationStore escalations;
    private final NotificationStore notifications;
    private final Grouping grouping;
    private final NotifierProperties props;
    private final MeterRegistry meters;
    private final Clock clock;

    public Escalations(EscalationStore escalations, NotificationStore notifications, Grouping grouping,
                NotifierProperties props, MeterRegistry meters, Clock clock) {
        this.escalations = escalations;
        this.notifications = notifications;
        this.grouping = grouping;
        this.props = props;
        this.meters = meters;
        this.clock = clock;
        // published from the start (0), not only after the first event: dashboards and alerts see the series
        meters.counter("aof.escalations.repeated");
    }

    /** Opens or closes the escalation of {@code n}'s incident when {@code n} escalates or resolves it (caller's tx). */
    public void told(NotificationRequested n, String raw) {
        if (n.incidentId() == null) {
            return;
        }
        if (n.kind().resolvesIncident()) {
            escalations.close(n.incidentId());
        } else if (n.audience() == Audience.SUPER_ADMIN && ESCALATING.contains(n.kind())) {
            escalations.open(n.incidentId(), raw, props.escalation().repeatInterval());
        } else if (n.kind() == Kind.OUTAGE_UPDATED) {
            // an escalated outage's reminders tell its latest figures (still as its start: where it went, its key)
            escalations.openRequest(n.incidentId()).ifPresent(request -> {
                NotificationRequested s = EventCodec.decode(Topics.NOTIFICATION_REQUESTS, request);
                escalations.request(n.incidentId(), EventCodec.encode(new NotificationRequested(s.eventId(),
                        s.occurredAt(), s.schemaVersion(), s.workspace(), s.recipeId(), s.jobId(), s.incidentId(),
                        s.attempt(), s.audience(), s.kind(), s.severity(), s.dedupKey(), n.title(), s.recipeName(),
                        n.category() != null ? n.category() : s.category(), s.maxAttempts(), n.error(),
                        s.folderId(), s.nextRetryAt(), s.report())));
            });
        }
    }

    /** Super-admin escalations neither acknowledged nor resolved are told again, in their thread. How many. */
    public int queueRepeats() {
        var due = escalations.due(props.escalation().maxRepeats());
        for (EscalationStore.Due e : due) {
            NotificationRequested original = EventCodec.decode(Topics.NOTIFICATION_REQUESTS, e.request());
            int repeat = e.repeats() + 1;
            Duration open = Duration.between(e.openedAt(), e.now());
            NotificationRequested again = new NotificationRequested(UUID.randomUUID(), clock.instant(),
                    original.schemaVersion(), original.workspace(), original.recipeId(), original.jobId(),
                    original.incidentId(), original.attempt(), original.audience(), original.kind(),
                    original.severity(), original.dedupKey() + REPEAT + repeat,
                    "Still unresolved after " + ReportFormat.duration(open.toSeconds()) + " (reminder " + repeat
                            + "): " + original.title(), original.recipeName(), original.category(),
                    original.maxAttempts(), original.error(), original.folderId(), null, null);
            String raw = EventCodec.encode(again);
            for (String d : notifications.superAdminDestinations(original.incidentId(), original.kind())) {
                // where the incident was placed at its first alert there: its own thread, or its group's digests
                // (a storm's incident: in the storm's next follow-up, one reply for all its reminders)
                notifications.insert(NotificationStore.NewRow.of(again, raw, d, grouping.place(again, d)));
            }
            escalations.repeated(original.incidentId(), repeat, props.escalation().repeatInterval());
            meters.counter("aof.escalations.repeated").increment();
        }
        return due.size();
    }
}
