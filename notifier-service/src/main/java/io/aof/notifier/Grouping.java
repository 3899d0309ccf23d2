package io.aof.notifier;

import io.aof.common.events.NotificationRequested;
import io.aof.common.events.NotificationRequested.Kind;
import io.micrometer.core.instrument.MeterRegistry;
import org.springframework.stereotype.Component;

import java.time.Instant;
import java.util.List;
import java.util.Set;

/**
 * Storm control, Alertmanager's way: alerts of one recipe and category to one destination form a group. At an
 * incident's first alert in a destination it decides, for good, whether the incident gets its own thread (the
 * first alert of a quiet group, when {@code group-wait} is zero) or is told inside its group's digests (the
 * others of the group's {@code group-interval}); {@link Digests} builds those when they are due.
 */
@Component
class Grouping {

    /**
     * Kinds that are told alone, never grouped. An outage is already the grouping of its members (one thread per
     * outage, keyed by its id): never digested with incidents, nor counted in a group's window.
     */
    private static final Set<Kind> NEVER_GROUPED = Set.of(Kind.REPORT, Kind.RECIPE_STOPPED, Kind.AOF_TROUBLE,
            Kind.OUTAGE_STARTED, Kind.OUTAGE_UPDATED, Kind.OUTAGE_ENDED);

    private final ThreadStore threads;
    private final AlertGroupStore groups;
    private final NotifierProperties props;
    private final MeterRegistry meters;

    Grouping(ThreadStore threads, AlertGroupStore groups, NotifierProperties props, MeterRegistry meters) {
        this.threads = threads;
        this.groups = groups;
        this.props = props;
        this.meters = meters;
        // published from the start (0), not only after the first event: dashboards and alerts see the series
        for (String channel : List.of("slack", "email", "webhook")) {
            meters.counter("aof.notifications.grouped", "channel", channel);
        }
    }

    /** Own thread or digest, for the incident alert {@code n} in {@code destination} (in the caller's transaction). */
    ThreadStore.Placement place(NotificationRequested n, String destination) {
        ThreadStore.Placement p = decide(n, destination);
        if (p.grouped()) {
            meters.counter("aof.notifications.grouped", "channel", Destination.kindOf(destination)).increment();
        }
        return p;
    }

    /** Decided at the incident's first alert in a destination, kept after that. */
    private ThreadStore.Placement decide(NotificationRequested n, String destination) {
        var known = threads.lockPlacement(destination, n.incidentId());
        if (known.isPresent()) {
            threads.told(destination, n.incidentId(), n.kind());
            if (known.get().grouped()) {
                // a later alert of an incident kept in digests goes in the group's next one: at the end of the
                // group's window, or after group-wait when the group is quiet (its last digest may be long gone)
                groups.laterAlertDue(known.get().groupKey(), props.grouping().groupWait());
            }
            return known.get();
        }
        boolean grouped = false;
        String groupKey = null;
        boolean groupable = props.grouping().enabled() && !NEVER_GROUPED.contains(n.kind())
                && !isPagerDuty(destination);
        if (groupable) {
            groupKey = destination + "|" + n.recipeId() + "|" + n.category();
            AlertGroupStore.Window w = groups.lockWindow(groupKey, destination, n.recipeId(), n.recipeName(),
                    n.category());
            Instant now = w.now();
            if (w.quiet() && props.grouping().groupWait().isZero()) {
                // the first alert of a quiet group goes at once; the others of the next interval wait for a digest
                groups.toldAlone(groupKey, now.plus(props.grouping().groupInterval()), now, n.recipeName());
            } else {
                grouped = true;
                groups.digestDue(groupKey, w.quiet() ? now.plus(props.grouping().groupWait()) : w.windowUntil());
            }
        }
        ThreadStore.Placement p = new ThreadStore.Placement(grouped ? ThreadStore.Mode.GROUPED
                : ThreadStore.Mode.THREAD, groupKey);
        threads.place(destination, n.incidentId(), p, n.kind());
        return p;
    }

    private boolean isPagerDuty(String destination) {
        if (!Destination.kindOf(destination).equals(Destination.WEBHOOK)) {
            return false;
        }
        NotifierProperties.Webhook w = props.webhooks().get(Destination.parse(destination).target());
        return w != null && w.format() == NotifierProperties.Webhook.Format.PAGERDUTY;
    }
}
