package io.aof.notifier.grouping;

import io.aof.common.events.NotificationRequested.Kind;
import io.aof.common.events.NotificationRequested;
import io.aof.notifier.NotifierProperties;
import io.aof.notifier.intake.Destination;
import io.aof.notifier.intake.NotificationState;
import io.micrometer.core.instrument.MeterRegistry;
import org.springframework.stereotype.Component;

import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/**
 * Storm control, Alertmanager's way: alerts of one recipe and category to one destination form a group. At an
 * incident's first alert in a destination it decides, for good, whether the incident gets its own thread (the
 * first alert of a quiet group, when {@code group-wait} is zero) or is told inside its group's digests (the
 * others of the group's {@code group-interval}); {@link Digests} builds those when they are due. Before that,
 * failures sharing an error signature across recipes ({@link SignatureStorms}): once a signature storms in the
 * destination, its incidents are told inside the storm's one thread instead, whatever their recipe.
 */
@Component
public class Grouping {

    /**
     * Kinds that are told alone, never grouped. An outage is already the grouping of its members (one thread per
     * outage, keyed by its id): never digested with incidents, nor counted in a group's window.
     */
    private static final Set<Kind> NEVER_GROUPED = Set.of(Kind.REPORT, Kind.RECIPE_STOPPED, Kind.AOF_TROUBLE,
            Kind.OUTAGE_STARTED, Kind.OUTAGE_UPDATED, Kind.OUTAGE_ENDED);

    /**
     * Where an alert's row goes: to send ({@code PENDING}: alone, or in its incident's thread), to wait for a digest
     * or a storm's follow-up ({@code GROUPED}, {@code groupKey}), or told inside a storm ({@code STORMED},
     * {@code stormId}).
     */
    public record Slot(NotificationState state, String groupKey, UUID stormId) {

        public static final Slot ALONE = new Slot(NotificationState.PENDING, null, null);

        static Slot grouped(String groupKey) {
            return new Slot(NotificationState.GROUPED, groupKey, null);
        }
    }

    private final ThreadStore threads;
    private final AlertGroupStore groups;
    private final SignatureStorms storms;
    private final NotifierProperties props;
    private final MeterRegistry meters;

    public Grouping(ThreadStore threads, AlertGroupStore groups, SignatureStorms storms, NotifierProperties props,
             MeterRegistry meters) {
        this.threads = threads;
        this.groups = groups;
        this.storms = storms;
        this.props = props;
        this.meters = meters;
        // published from the start (0), not only after the first event: dashboards and alerts see the series
        for (String channel : List.of("slack", "email", "webhook")) {
            meters.counter("aof.notifications.grouped", "channel", channel);
        }
    }

    /**
     * Own thread, digest or storm, for the incident alert {@code n} in {@code destination} (in the caller's
     * transaction).
     */
    public Slot place(NotificationRequested n, String destination) {
        Slot s = decide(n, destination);
        if (s.state() == NotificationState.GROUPED && s.stormId() == null) {
            meters.counter("aof.notifications.grouped", "channel", Destination.kindOf(destination)).increment();
        }
        return s;
    }

    /** Decided at the incident's first alert in a destination, kept after that. */
    private Slot decide(NotificationRequested n, String destination) {
        var known = threads.lockPlacement(destination, n.incidentId());
        if (known.isPresent()) {
            ThreadStore.Placement p = known.get();
            threads.told(destination, n.incidentId(), n.kind());
            if (p.mode() != ThreadStore.Mode.STORM) {
                storms.laterElsewhere(n, destination);   // a storm may list it (told before it was recognised)
            }
            return switch (p.mode()) {
                case GROUPED -> {
                    // a later alert of an incident kept in digests goes in the group's next one: at the end of the
                    // group's window, or after group-wait when the group is quiet (its last digest may be long gone)
                    groups.laterAlertDue(p.groupKey(), props.grouping().groupWait());
                    yield Slot.grouped(p.groupKey());
                }
                // told in its storm (its figures, or its next follow-up); alone if the storm is gone (retention)
                case STORM -> storms.later(p.stormId(), n, destination).orElse(Slot.ALONE);
                case THREAD -> Slot.ALONE;
            };
        }
        boolean groupable = props.grouping().enabled() && !NEVER_GROUPED.contains(n.kind())
                && !isPagerDuty(destination);
        ErrorSignature signature = groupable ? storms.signature(n, destination) : null;
        if (signature != null) {
            Optional<UUID> storm = storms.join(n, destination, signature);
            if (storm.isPresent()) {
                threads.place(destination, n.incidentId(), ThreadStore.Placement.storm(storm.get()), n.kind(),
                        signature.key());
                return new Slot(NotificationState.STORMED, null, storm.get());
            }
        }
        boolean grouped = false;
        String groupKey = null;
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
        threads.place(destination, n.incidentId(), p, n.kind(), signature == null ? null : signature.key());
        return grouped ? Slot.grouped(groupKey) : Slot.ALONE;
    }

    private boolean isPagerDuty(String destination) {
        if (!Destination.kindOf(destination).equals(Destination.WEBHOOK)) {
            return false;
        }
        NotifierProperties.Webhook w = props.webhooks().get(Destination.parse(destination).target());
        return w != null && w.format() == NotifierProperties.Webhook.Format.PAGERDUTY;
    }
}
