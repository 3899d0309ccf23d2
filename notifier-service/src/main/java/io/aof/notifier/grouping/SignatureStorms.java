package io.aof.notifier.grouping;

import io.aof.common.events.EventCodec;
import io.aof.common.events.NotificationRequested.Audience;
import io.aof.common.events.NotificationRequested;
import io.aof.notifier.NotifierProperties;
import io.aof.notifier.delivery.Channel;
import io.aof.notifier.escalation.Escalations;
import io.aof.notifier.intake.Destination;
import io.aof.notifier.intake.NotificationState;
import io.aof.notifier.intake.NotificationStore;
import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * Signature storms: failures that share an error signature ({@link ErrorSignature}) across recipes. Per
 * destination, when alerts of one signature come from {@code storms.min-recipes} distinct recipes within
 * {@code storms.window}, the signature storms there: from then on every incident of that signature, whatever its
 * recipe, is told inside the storm (its alerts {@code STORMED}), not alone nor in its recipe's digests, and the
 * signature's alerts still waiting for a group's digest move into it. The first alerts that went out before the
 * storm was recognised stay; their incidents are listed with the storm.
 * <p>
 * A storm is one thread in its destination: its first message ({@code STORM_STARTED}) shows its figures as of
 * when it is sent, and is edited ({@code STORM_UPDATED}, Slack's {@code chat.update}) at most every
 * {@code storms.update-interval} while the storm grows; once quiet for the window it ends ({@code STORM_ENDED}):
 * the first message is edited to the final figures and one reply closes the thread. Later alerts of its incidents
 * after that (a recovery, an exhaustion, a resolution), and escalation reminders of its incidents at any time, are
 * one follow-up reply per window ({@code STORM_FOLLOWUP}, a digest); an ended storm with incidents still open is
 * reminded of them every {@code grouping.repeat-interval}. Every incident is listed by {@code GET /api/storms/{id}}.
 * Its messages are rows like any other: stored before sent, in order per destination, with fallback copies.
 */
@Component
public class SignatureStorms {

    private static final Logger log = LoggerFactory.getLogger(SignatureStorms.class);

    /** The group key of the alerts that wait for a storm's next follow-up. */
    static String followUpKey(UUID stormId) {
        return "storm:" + stormId;
    }

    private final StormStore storms;
    private final NotificationStore notifications;
    private final NotifierProperties props;
    private final MeterRegistry meters;

    public SignatureStorms(StormStore storms, NotificationStore notifications, NotifierProperties props,
                    MeterRegistry meters) {
        this.storms = storms;
        this.notifications = notifications;
        this.props = props;
        this.meters = meters;
        // published from the start (0), not only after the first event: dashboards and alerts see the series
        for (String channel : List.of("slack", "email", "webhook")) {
            meters.counter("aof.notifications.storms", "channel", channel);
            meters.counter("aof.notifications.stormed", "channel", channel);
        }
    }

    /**
     * The signature {@code n}'s incident may storm by in {@code destination}: null when storms are off (there), or
     * {@code n} has no recipe or no error text to share. (Whether its kind and destination are grouped at all is
     * {@link Grouping}'s to say.)
     */
    ErrorSignature signature(NotificationRequested n, String destination) {
        if (!props.storms().in(destination) || n.recipeId() == null || n.incidentId() == null) {
            return null;
        }
        return ErrorSignature.of(n.error(), n.category());
    }

    /**
     * At the first alert of {@code n}'s incident in {@code destination}: the storm it is told in, when its signature
     * storms there (already, or from this alert on: then the storm is recognised now); empty when it does not (it is
     * grouped as usual). In the caller's transaction, under a lock per destination and signature.
     */
    Optional<UUID> join(NotificationRequested n, String destination, ErrorSignature signature) {
        storms.lockSignature(destination, signature.key());
        int recipes = storms.sighted(destination, signature.key(), n.recipeId(), props.storms().window());
        UUID id = storms.open(destination, signature.key()).orElse(null);
        if (id == null) {
            if (recipes < props.storms().minRecipes()) {
                return Optional.empty();
            }
            id = recognise(n, destination, signature, recipes);
        }
        storms.incident(id, n, "STORM");
        storms.grew(id, props.storms().updateInterval());
        meters.counter("aof.notifications.stormed", "channel", Destination.kindOf(destination)).increment();
        return Optional.of(id);
    }

    /** The signature storms in the destination from now: the storm, its first message queued, earlier alerts in it. */
    private UUID recognise(NotificationRequested n, String destination, ErrorSignature signature, int recipes) {
        UUID id = UUID.randomUUID();
        storms.create(id, destination, signature, n.error());
        int moved = storms.moveGrouped(id, destination, signature.key());
        storms.backfill(id, destination, signature.key(), props.storms().window());
        notifications.insert(message(id, destination, Storm.Kind.STORM_STARTED, "started"));
        meters.counter("aof.notifications.storms", "channel", Destination.kindOf(destination)).increment();
        log.info("Signature storm {} in {}: '{}' ({}) from {} recipes within {}; {} incident(s) waiting for their "
                        + "group's digest moved into it", id, destination, signature.text(), signature.category(),
                recipes, props.storms().window(), moved);
        return id;
    }

    /**
     * A later alert of an incident told inside storm {@code stormId}: counted in the storm while it is open; a
     * follow-up's after it ended, and for an escalation's reminder (a person must hear it again, not only see a
     * figure change). Empty when the storm is gone (kept 30 days after it ended): the alert is then told alone.
     */
    Optional<Grouping.Slot> later(UUID stormId, NotificationRequested n, String destination) {
        Optional<StormStore.State> storm = storms.lock(stormId);
        if (storm.isEmpty()) {
            return Optional.empty();
        }
        storms.incident(stormId, n, "STORM");
        meters.counter("aof.notifications.stormed", "channel", Destination.kindOf(destination)).increment();
        if (!storm.get().ended() && !Escalations.isRepeat(n)) {
            storms.grew(stormId, props.storms().updateInterval());
            return Optional.of(new Grouping.Slot(NotificationState.STORMED, null, stormId));
        }
        storms.followUpDue(stormId, props.storms().updateInterval(), props.storms().window());
        return Optional.of(new Grouping.Slot(NotificationState.GROUPED, followUpKey(stormId), stormId));
    }

    /** A later alert of an incident told outside any storm: a storm that lists it shows its latest alert. */
    void laterElsewhere(NotificationRequested n, String destination) {
        if (props.storms().enabled()) {
            storms.listedElsewhere(destination, n);
        }
    }

    /**
     * The storms' due messages, queued: the end of storms quiet for the window, edits of open storms that grew,
     * follow-ups, and reminders of ended storms with incidents still open. How many rows were queued.
     */
    public int buildDue() {
        int queued = 0;
        for (StormStore.Due d : storms.quiet(props.storms().window())) {
            storms.ended(d.id());
            notifications.insert(message(d.id(), d.destination(), Storm.Kind.STORM_ENDED, "ended"));
            log.info("Signature storm {} in {} is over (quiet for {})", d.id(), d.destination(),
                    props.storms().window());
            queued++;
        }
        for (StormStore.Due d : storms.updatesDue()) {
            if (!Destination.kindOf(d.destination()).equals(Destination.SLACK)) {
                storms.updateQueued(d.id());   // a mail or a webhook call cannot be edited: its end tells the figures
            } else if (storms.messagePending(d.id())) {
                // a message of the storm still waits (Slack slow or down): it shows the latest figures when it goes
                storms.updateLater(d.id(), props.storms().updateInterval());
            } else {
                int n = storms.updateQueued(d.id());
                notifications.insert(message(d.id(), d.destination(), Storm.Kind.STORM_UPDATED, "update:" + n));
                queued++;
            }
        }
        for (StormStore.Due d : storms.followUpsDue()) {
            List<NotificationRequested> waiting = notifications.grouped(followUpKey(d.id()));
            if (!waiting.isEmpty()) {
                Map<String, NotificationRequested> latest = new LinkedHashMap<>();
                Map<String, Long> byKind = new LinkedHashMap<>();
                for (NotificationRequested n : waiting) {
                    latest.put(n.incidentId(), n);
                    byKind.merge(n.kind().name(), 1L, Long::sum);
                }
                boolean reminders = waiting.stream().allMatch(Escalations::isRepeat);
                Instant from = d.lastFollowUpAt() != null ? d.lastFollowUpAt() : d.endedAt() != null ? d.endedAt()
                        : d.now();
                Digest digest = digest(d, reminders, from, waiting.size(), byKind,
                        latest.values().stream().map(Digests::item).toList());
                notifications.insert(message(d.id(), d.destination(), Storm.Kind.STORM_FOLLOWUP, digest));
                notifications.digested(followUpKey(d.id()), digest.id());
                queued++;
            }
            storms.followUpTold(d.id());
        }
        for (StormStore.Due d : storms.remindersDue(props.grouping().repeatInterval())) {
            Instant from = d.lastFollowUpAt() != null ? d.lastFollowUpAt() : d.endedAt();
            notifications.insert(message(d.id(), d.destination(), Storm.Kind.STORM_FOLLOWUP,
                    digest(d, true, from, 0, Map.of(), storms.openIncidents(d.id()))));
            storms.followUpTold(d.id());
            queued++;
        }
        return queued;
    }

    private Digest digest(StormStore.Due d, boolean reminder, Instant from, int alerts, Map<String, Long> byKind,
                          List<Digest.Item> items) {
        UUID id = UUID.randomUUID();
        return new Digest(id, d.destination(), null, null, d.category(), reminder, from, d.now(), alerts, byKind,
                items, props.publicUrl() + "/api/digests/" + id);
    }

    /** A storm's follow-up: its row's id is its digest's, so {@code GET /api/digests/{id}} lists it. */
    private NotificationStore.NewRow message(UUID stormId, String destination, Storm.Kind kind, Digest followUp) {
        return new NotificationStore.NewRow(followUp.id(), "storm:" + stormId + ":followup:" + followUp.id(), null,
                Audience.OPS.name(), kind.name(), destination, null, EventCodec.mapper().writeValueAsString(followUp),
                NotificationState.PENDING, null, false, null, stormId);
    }

    private NotificationStore.NewRow message(UUID stormId, String destination, Storm.Kind kind, String what) {
        return new NotificationStore.NewRow(UUID.randomUUID(), "storm:" + stormId + ":" + what, null,
                Audience.OPS.name(), kind.name(), destination, null, null, NotificationState.PENDING, null, false,
                null, stormId);
    }

    /** The storm as its messages show it now (its latest figures); empty when there is no such storm. */
    public Optional<Storm> storm(UUID stormId) {
        return storms.storm(stormId, props.publicUrl());
    }

    /** The storm's thread in its destination. */
    public Channel.Thread thread(UUID stormId) {
        return storms.thread(stormId);
    }

    /** The storm's first message went out. */
    public void started(UUID stormId, Channel.Delivery delivery) {
        if (delivery.ref() != null) {
            storms.started(stormId, delivery.ref(), delivery.channelRef());
        }
    }

    /** A page of the storm's incidents ({@code GET /api/storms/{id}}); empty when there is no such storm. */
    public Optional<Storm.Page> page(UUID stormId, int offset, int limit) {
        return storm(stormId).map(s -> {
            List<Storm.Incident> items = storms.incidents(stormId, offset, limit);
            long total = s.jobs();
            Integer next = offset + items.size() < total && !items.isEmpty() ? offset + items.size() : null;
            return new Storm.Page(s, total, offset, limit, next, items);
        });
    }

    /** The storms of the last week, open ones first, then the latest ({@code GET /api/storms}). */
    public List<Storm> recent() {
        return storms.recent(7, 100).stream().map(this::storm).flatMap(Optional::stream).toList();
    }
}
