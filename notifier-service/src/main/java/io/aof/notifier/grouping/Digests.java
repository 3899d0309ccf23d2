package io.aof.notifier.grouping;

import io.aof.common.events.EventCodec;
import io.aof.common.events.NotificationRequested.Audience;
import io.aof.common.events.NotificationRequested;
import io.aof.notifier.NotifierProperties;
import io.aof.notifier.intake.Destination;
import io.aof.notifier.intake.NotificationState;
import io.aof.notifier.intake.NotificationStore;
import io.micrometer.core.instrument.MeterRegistry;
import org.springframework.stereotype.Component;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * The digests of storm control ({@link Grouping}): when a group's digest is due, its waiting alerts become one
 * {@code DIGEST} row (each incident at its latest alert); a group quiet for {@code repeat-interval} with
 * incidents still open gets a reminder digest naming them (Alertmanager's {@code repeat_interval}).
 */
@Component
public class Digests {

    private final NotificationStore notifications;
    private final AlertGroupStore groups;
    private final ThreadStore threads;
    private final NotifierProperties props;
    private final MeterRegistry meters;

    public Digests(NotificationStore notifications, AlertGroupStore groups, ThreadStore threads,
            NotifierProperties props,
            MeterRegistry meters) {
        this.notifications = notifications;
        this.groups = groups;
        this.threads = threads;
        this.props = props;
        this.meters = meters;
        // published from the start (0), not only after the first event: dashboards and alerts see the series
        for (String channel : List.of("slack", "email", "webhook")) {
            meters.counter("aof.notifications.digests", "channel", channel, "reminder", "false");
            meters.counter("aof.notifications.digests", "channel", channel, "reminder", "true");
        }
    }

    /** Turns every group whose digest is due into one DIGEST row; reminders for groups still open. How many. */
    public int buildDue() {
        int built = 0;
        for (AlertGroupStore.Group g : groups.digestsDue()) {
            Instant now = g.now();
            Instant since = g.lastSentAt() == null ? now : g.lastSentAt();
            List<NotificationRequested> waiting = notifications.grouped(g.groupKey());
            if (!waiting.isEmpty()) {
                Map<String, NotificationRequested> latest = new LinkedHashMap<>();
                Map<String, Long> byKind = new LinkedHashMap<>();
                for (NotificationRequested n : waiting) {
                    latest.put(n.incidentId(), n);
                    byKind.merge(n.kind().name(), 1L, Long::sum);
                }
                UUID digestId = UUID.randomUUID();
                store(digest(digestId, g, false, since, now, waiting.size(), byKind,
                        latest.values().stream().map(Digests::item).toList()), g.groupKey());
                notifications.digested(g.groupKey(), digestId);
                built++;
            }
            groups.digestTold(g.groupKey(), now.plus(props.grouping().groupInterval()), now);
        }
        return built + buildReminders();
    }

    /** Alertmanager's repeat_interval: a group quiet that long with incidents still open is reminded of them. */
    private int buildReminders() {
        int built = 0;
        for (AlertGroupStore.Group g : groups.quietWithOpenIncidents(props.grouping().repeatInterval())) {
            List<Digest.Item> open = threads.openIncidents(g.groupKey());
            store(digest(UUID.randomUUID(), g, true, g.lastSentAt(), g.now(), 0, Map.of(), open), g.groupKey());
            groups.reminded(g.groupKey(), g.now());
            built++;
        }
        return built;
    }

    private Digest digest(UUID id, AlertGroupStore.Group g, boolean reminder, Instant from, Instant to, int alerts,
                          Map<String, Long> byKind, List<Digest.Item> items) {
        return new Digest(id, g.destination(), g.recipeId(), g.recipeName(), g.category(), reminder, from, to, alerts,
                byKind, items, props.publicUrl() + "/api/digests/" + id);
    }

    private void store(Digest d, String groupKey) {
        notifications.insert(new NotificationStore.NewRow(d.id(), "digest:" + d.id(), null, Audience.OPS.name(),
                "DIGEST", d.destination(), null, EventCodec.mapper().writeValueAsString(d), NotificationState.PENDING,
                groupKey, false, null, null));
        meters.counter("aof.notifications.digests", "channel", Destination.kindOf(d.destination()), "reminder",
                String.valueOf(d.reminder())).increment();
    }

    /** An incident in a digest, at its alert {@code n}. */
    static Digest.Item item(NotificationRequested n) {
        String error = n.error() == null ? null : n.error().length() > 200 ? n.error().substring(0, 200) + "..."
                : n.error();
        return new Digest.Item(n.incidentId(), n.jobId(), n.kind().name(), n.attempt(), n.maxAttempts(), error);
    }
}
