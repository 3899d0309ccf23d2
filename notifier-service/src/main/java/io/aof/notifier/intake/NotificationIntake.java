package io.aof.notifier.intake;

import io.aof.common.events.NotificationRequested.Kind;
import io.aof.common.events.NotificationRequested;
import io.aof.notifier.escalation.Escalations;
import io.aof.notifier.grouping.Grouping;
import io.aof.notifier.grouping.ThreadStore;
import org.springframework.stereotype.Component;

import java.util.List;

/**
 * Stores a notification request, in the caller's transaction, before anything is sent: one row per destination,
 * once per dedup key there, placed in its incident's own thread, its group's digests or a signature storm
 * ({@link Grouping}); a resolution, and an outage's
 * update, also update the incident's (outage's) threads in the Slack destinations it was not routed to; and the
 * incident's escalation is opened or closed ({@link Escalations}).
 */
@Component
public class NotificationIntake {

    private final NotificationStore notifications;
    private final ThreadStore threads;
    private final Grouping grouping;
    private final Escalations escalations;

    public NotificationIntake(NotificationStore notifications, ThreadStore threads, Grouping grouping,
                       Escalations escalations) {
        this.notifications = notifications;
        this.threads = threads;
        this.grouping = grouping;
        this.escalations = escalations;
    }

    /** Stores {@code n} (its JSON {@code raw}) for each destination (in the caller's transaction). */
    public void store(NotificationRequested n, String raw, List<String> destinations) {
        for (String destination : destinations) {
            if (notifications.stored(n, destination)) {
                continue;   // told there already (the same decision taken twice): placed, counted and sent once
            }
            Grouping.Slot slot = n.incidentId() != null && n.kind() != Kind.REPORT ? grouping.place(n, destination)
                    : Grouping.Slot.ALONE;
            notifications.insert(NotificationStore.NewRow.of(n, raw, destination, slot));
        }
        boolean resolves = n.kind().resolvesIncident();
        if (n.incidentId() != null && (resolves || n.kind() == Kind.OUTAGE_UPDATED)) {
            if (resolves) {
                // resolved everywhere: no group reminds of it any more, wherever it was told
                threads.resolved(n.incidentId(), n.kind());
            }
            // threads of this incident elsewhere (an escalation in the admin channel, a final-only route's channel)
            // get their parent updated: to say it ended, or to show an outage's latest figures
            // (an exhaustion is routed to every audience itself: no extra update for it)
            for (String d : threads.threadDestinations(n.incidentId())) {
                if (!destinations.contains(d) && Destination.kindOf(d).equals(Destination.SLACK)) {
                    notifications.insert(NotificationStore.NewRow.of(n, raw, d, NotificationState.PENDING, null)
                            .asThreadUpdate());
                }
            }
        }
        escalations.told(n, raw);
    }
}
