package io.aof.notifier;

import io.aof.common.events.EventCodec;
import io.aof.common.events.NotificationRequested;
import io.aof.common.events.NotificationRequested.Audience;
import io.aof.common.events.NotificationRequested.Kind;
import io.aof.common.events.Topics;
import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

import java.nio.charset.StandardCharsets;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * Everything the notifier keeps, decided in the transaction that stores a
 * request: one row per destination; whether an incident gets its own thread or
 * goes into its group's digests (storm control); super-admin escalations to
 * repeat. And the periodic work on those rows: digests that are due, escalation
 * repeats, copies to the fallback destination.
 */
@Component
class NotificationStore {

    private static final Logger log = LoggerFactory.getLogger(NotificationStore.class);
    /** Kinds that are told alone, never grouped. */
    private static final Set<Kind> NEVER_GROUPED = Set.of(Kind.REPORT, Kind.RECIPE_STOPPED, Kind.AOF_TROUBLE);
    private static final Set<Kind> ESCALATING = Set.of(Kind.EXHAUSTED, Kind.NON_RETRYABLE, Kind.RECIPE_STOPPED,
            Kind.AOF_TROUBLE);

    private final JdbcTemplate jdbc;
    private final NotifierProperties props;
    private final MeterRegistry meters;
    private final Clock clock;

    NotificationStore(JdbcTemplate jdbc, NotifierProperties props, MeterRegistry meters, Clock clock) {
        this.jdbc = jdbc;
        this.props = props;
        this.meters = meters;
        this.clock = clock;
        // published from the start (0), not only after the first event: dashboards and alerts see the series
        meters.counter("aof.escalations.repeated");
        for (String channel : List.of("slack", "email", "webhook")) {
            meters.counter("aof.notifications.fallback", "channel", channel);
            meters.counter("aof.notifications.grouped", "channel", channel);
            meters.counter("aof.notifications.digests", "channel", channel, "reminder", "false");
            meters.counter("aof.notifications.digests", "channel", channel, "reminder", "true");
        }
    }

    /** Stores {@code n} for each destination (in the caller's transaction). */
    void store(NotificationRequested n, String raw, List<String> destinations) {
        for (String destination : destinations) {
            String state = "PENDING";
            String groupKey = null;
            if (n.incidentId() != null && n.kind() != Kind.REPORT) {
                Placement p = place(n, destination);
                state = p.grouped ? "GROUPED" : "PENDING";
                groupKey = p.groupKey;
                if (p.grouped) {
                    meters.counter("aof.notifications.grouped", "channel", Destination.kindOf(destination))
                            .increment();
                }
            }
            jdbc.update("INSERT INTO notification (id, dedup_key, incident_id, audience, kind, channel, request, "
                            + "state, group_key) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                    rowId(n.eventId(), destination), n.dedupKey(), n.incidentId(), n.audience().name(),
                    n.kind().name(), destination, raw, state, groupKey);
        }
        if (n.incidentId() != null && n.kind().resolvesIncident()) {
            // resolved everywhere: no group reminds of it any more, wherever it was told
            jdbc.update("UPDATE incident_thread SET last_kind = ?, updated_at = now() WHERE incident_id = ?",
                    n.kind().name(), n.incidentId());
            // threads of this incident elsewhere (an escalation in the admin channel) get their parent updated
            // (an exhaustion is routed to every audience itself: no extra update for it)
            List<String> others = jdbc.queryForList("SELECT destination FROM incident_thread WHERE incident_id = ? "
                    + "AND mode = 'THREAD'", String.class, n.incidentId());
            for (String d : others) {
                if (!destinations.contains(d) && Destination.kindOf(d).equals(Destination.SLACK)) {
                    jdbc.update("INSERT INTO notification (id, dedup_key, incident_id, audience, kind, channel, "
                                    + "request, state, update_only) VALUES (?, ?, ?, ?, ?, ?, ?, 'PENDING', true) "
                                    + "ON CONFLICT DO NOTHING", rowId(n.eventId(), d), n.dedupKey(),
                            n.incidentId(), n.audience().name(), n.kind().name(), d, raw);
                }
            }
        }
        escalation(n, raw);
    }

    private record Placement(boolean grouped, String groupKey) {
    }

    /** Own thread or digest: decided at the incident's first alert in a destination, kept after that. */
    private Placement place(NotificationRequested n, String destination) {
        List<Map<String, Object>> known = jdbc.queryForList("SELECT mode, group_key FROM incident_thread "
                + "WHERE destination = ? AND incident_id = ? FOR UPDATE", destination, n.incidentId());
        if (!known.isEmpty()) {
            jdbc.update("UPDATE incident_thread SET last_kind = ?, updated_at = now() WHERE destination = ? "
                    + "AND incident_id = ?", n.kind().name(), destination, n.incidentId());
            boolean grouped = "GROUPED".equals(known.get(0).get("mode"));
            String groupKey = (String) known.get(0).get("group_key");
            if (grouped) {
                // a later alert of an incident kept in digests goes in the group's next one: at the end of the
                // group's window, or after group-wait when the group is quiet (its last digest may be long gone)
                jdbc.update("UPDATE alert_group SET digest_due_at = COALESCE(digest_due_at, GREATEST(window_until, "
                        + "now() + (? * interval '1 millisecond'))), window_until = GREATEST(window_until, now() + "
                        + "(? * interval '1 millisecond')) WHERE group_key = ?",
                        props.grouping().groupWait().toMillis(), props.grouping().groupWait().toMillis(), groupKey);
            }
            return new Placement(grouped, groupKey);
        }
        boolean grouped = false;
        String groupKey = null;
        boolean groupable = props.grouping().enabled() && !NEVER_GROUPED.contains(n.kind())
                && !isPagerDuty(destination);
        if (groupable) {
            groupKey = destination + "|" + n.recipeId() + "|" + n.category();
            jdbc.update("INSERT INTO alert_group (group_key, destination, recipe_id, recipe_name, category) "
                            + "VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING", groupKey, destination, n.recipeId(),
                    n.recipeName(), n.category());
            Map<String, Object> g = jdbc.queryForMap("SELECT window_until, digest_due_at, now() AS now "
                    + "FROM alert_group WHERE group_key = ? FOR UPDATE", groupKey);
            Instant now = ((Timestamp) g.get("now")).toInstant();
            Timestamp windowUntil = (Timestamp) g.get("window_until");
            boolean quiet = windowUntil == null || !windowUntil.toInstant().isAfter(now);
            if (quiet && props.grouping().groupWait().isZero()) {
                // the first alert of a quiet group goes at once; the others of the next interval wait for a digest
                jdbc.update("UPDATE alert_group SET window_until = ?, last_sent_at = ?, recipe_name = ? "
                                + "WHERE group_key = ?", Timestamp.from(now.plus(props.grouping().groupInterval())),
                        Timestamp.from(now), n.recipeName(), groupKey);
            } else {
                grouped = true;
                Instant due = quiet ? now.plus(props.grouping().groupWait()) : windowUntil.toInstant();
                jdbc.update("UPDATE alert_group SET digest_due_at = COALESCE(digest_due_at, ?), window_until = "
                                + "GREATEST(COALESCE(window_until, ?), ?) WHERE group_key = ?", Timestamp.from(due),
                        Timestamp.from(due), Timestamp.from(due), groupKey);
            }
        }
        jdbc.update("INSERT INTO incident_thread (destination, incident_id, mode, group_key, last_kind) "
                        + "VALUES (?, ?, ?, ?, ?)", destination, n.incidentId(), grouped ? "GROUPED" : "THREAD",
                groupKey, n.kind().name());
        return new Placement(grouped, groupKey);
    }

    private boolean isPagerDuty(String destination) {
        if (!Destination.kindOf(destination).equals(Destination.WEBHOOK)) {
            return false;
        }
        NotifierProperties.Webhook w = props.webhooks().get(Destination.parse(destination).target());
        return w != null && w.format() == NotifierProperties.Webhook.Format.PAGERDUTY;
    }

    private void escalation(NotificationRequested n, String raw) {
        if (n.incidentId() == null) {
            return;
        }
        if (n.kind().resolvesIncident()) {
            jdbc.update("UPDATE escalation SET closed_at = now() WHERE incident_id = ? AND closed_at IS NULL",
                    n.incidentId());
        } else if (n.audience() == Audience.SUPER_ADMIN && ESCALATING.contains(n.kind())) {
            // due on the database's clock, the one queueEscalationRepeats compares it with
            jdbc.update("INSERT INTO escalation (incident_id, request, next_repeat_at) VALUES (?, ?, now() + "
                            + "(? * interval '1 millisecond')) ON CONFLICT (incident_id) DO UPDATE SET request = "
                            + "EXCLUDED.request, next_repeat_at = EXCLUDED.next_repeat_at, repeats = 0, "
                            + "acked_at = NULL, acked_by = NULL, closed_at = NULL",
                    n.incidentId(), raw, props.escalation().repeatInterval().toMillis());
        }
    }

    /** Turns every group whose digest is due into one DIGEST row; reminders for groups still open. */
    int buildDueDigests() {
        int built = 0;
        List<Map<String, Object>> due = jdbc.queryForList("SELECT group_key, destination, recipe_id, recipe_name, "
                + "category, last_sent_at, now() AS now FROM alert_group WHERE digest_due_at <= now() "
                + "ORDER BY digest_due_at LIMIT 50 FOR UPDATE SKIP LOCKED");
        for (Map<String, Object> g : due) {
            String key = (String) g.get("group_key");
            Instant now = ((Timestamp) g.get("now")).toInstant();
            Instant since = g.get("last_sent_at") == null ? now : ((Timestamp) g.get("last_sent_at")).toInstant();
            List<Map<String, Object>> rows = jdbc.queryForList("SELECT id, request FROM notification "
                    + "WHERE group_key = ? AND state = 'GROUPED' ORDER BY seq FOR UPDATE", key);
            if (!rows.isEmpty()) {
                Map<String, NotificationRequested> latest = new LinkedHashMap<>();
                Map<String, Long> byKind = new LinkedHashMap<>();
                for (Map<String, Object> r : rows) {
                    NotificationRequested n = EventCodec.decode(Topics.NOTIFICATION_REQUESTS,
                            (String) r.get("request"));
                    latest.put(n.incidentId(), n);
                    byKind.merge(n.kind().name(), 1L, Long::sum);
                }
                UUID digestId = UUID.randomUUID();
                Digest d = digest(digestId, g, false, since, now, rows.size(), byKind,
                        latest.values().stream().map(NotificationStore::item).toList());
                insertDigest(d, key);
                jdbc.update("UPDATE notification SET state = 'DIGESTED', digest_id = ? WHERE group_key = ? "
                        + "AND state = 'GROUPED'", digestId, key);
                built++;
            }
            jdbc.update("UPDATE alert_group SET digest_due_at = NULL, window_until = ?, last_sent_at = ? "
                            + "WHERE group_key = ?", Timestamp.from(now.plus(props.grouping().groupInterval())),
                    Timestamp.from(now), key);
        }
        built += buildReminders();
        return built;
    }

    /** Alertmanager's repeat_interval: a group quiet that long with incidents still open is reminded of them. */
    private int buildReminders() {
        int built = 0;
        List<Map<String, Object>> quiet = jdbc.queryForList("SELECT g.group_key, g.destination, g.recipe_id, "
                + "g.recipe_name, g.category, g.last_sent_at, now() AS now FROM alert_group g "
                + "WHERE g.digest_due_at IS NULL AND g.last_sent_at <= now() - (? * interval '1 second') "
                + "AND EXISTS (SELECT 1 FROM incident_thread t WHERE t.group_key = g.group_key "
                + "AND t.last_kind NOT IN ('RECOVERED', 'RESOLVED_MANUALLY')) "
                + "LIMIT 50 FOR UPDATE SKIP LOCKED", props.grouping().repeatInterval().toSeconds());
        for (Map<String, Object> g : quiet) {
            String key = (String) g.get("group_key");
            Instant now = ((Timestamp) g.get("now")).toInstant();
            List<Digest.Item> open = jdbc.query("SELECT t.incident_id, t.last_kind FROM incident_thread t "
                            + "WHERE t.group_key = ? AND t.last_kind NOT IN ('RECOVERED', 'RESOLVED_MANUALLY') "
                            + "ORDER BY t.created_at",
                    (rs, i) -> new Digest.Item(rs.getString(1), null, rs.getString(2), null, null, null), key);
            Digest d = digest(UUID.randomUUID(), g, true, ((Timestamp) g.get("last_sent_at")).toInstant(), now,
                    0, Map.of(), open);
            insertDigest(d, key);
            jdbc.update("UPDATE alert_group SET last_sent_at = ? WHERE group_key = ?", Timestamp.from(now), key);
            built++;
        }
        return built;
    }

    private Digest digest(UUID id, Map<String, Object> g, boolean reminder, Instant from, Instant to, int alerts,
                          Map<String, Long> byKind, List<Digest.Item> items) {
        return new Digest(id, (String) g.get("destination"), (Long) g.get("recipe_id"), (String) g.get("recipe_name"),
                (String) g.get("category"), reminder, from, to, alerts, byKind, items,
                props.publicUrl() + "/api/digests/" + id);
    }

    private void insertDigest(Digest d, String groupKey) {
        jdbc.update("INSERT INTO notification (id, dedup_key, audience, kind, channel, digest, state, group_key) "
                        + "VALUES (?, ?, 'OPS', 'DIGEST', ?, ?, 'PENDING', ?)", d.id(), "digest:" + d.id(),
                d.destination(), EventCodec.mapper().writeValueAsString(d), groupKey);
        meters.counter("aof.notifications.digests", "channel", Destination.kindOf(d.destination()), "reminder",
                String.valueOf(d.reminder())).increment();
    }

    private static Digest.Item item(NotificationRequested n) {
        String error = n.error() == null ? null : n.error().length() > 200 ? n.error().substring(0, 200) + "..."
                : n.error();
        return new Digest.Item(n.incidentId(), n.jobId(), n.kind().name(), n.attempt(), n.maxAttempts(), error);
    }

    /** Super-admin escalations neither acknowledged nor resolved are told again, in their thread. */
    int queueEscalationRepeats() {
        List<Map<String, Object>> due = jdbc.queryForList("SELECT incident_id, request, repeats, opened_at, "
                + "now() AS now FROM escalation WHERE next_repeat_at <= now() AND acked_at IS NULL AND closed_at IS NULL "
                + "AND repeats < ? LIMIT 50 FOR UPDATE SKIP LOCKED", props.escalation().maxRepeats());
        for (Map<String, Object> e : due) {
            NotificationRequested original = EventCodec.decode(Topics.NOTIFICATION_REQUESTS, (String) e.get("request"));
            int repeat = (Integer) e.get("repeats") + 1;
            Duration open = Duration.between(((Timestamp) e.get("opened_at")).toInstant(),
                    ((Timestamp) e.get("now")).toInstant());
            NotificationRequested again = new NotificationRequested(UUID.randomUUID(), clock.instant(),
                    original.schemaVersion(), original.workspace(), original.recipeId(), original.jobId(),
                    original.incidentId(), original.attempt(), original.audience(), original.kind(),
                    original.severity(), original.dedupKey() + ":repeat:" + repeat,
                    "Still unresolved after " + ReportFormat.duration(open.toSeconds()) + " (reminder " + repeat
                            + "): " + original.title(), original.recipeName(), original.category(),
                    original.maxAttempts(), original.error(), original.folderId(), null, null);
            for (String d : jdbc.queryForList("SELECT DISTINCT channel FROM notification WHERE incident_id = ? "
                    + "AND audience = 'SUPER_ADMIN' AND kind = ? AND fallback_of IS NULL AND NOT update_only",
                    String.class, original.incidentId(),
                    original.kind().name())) {
                jdbc.update("INSERT INTO notification (id, dedup_key, incident_id, audience, kind, channel, request, "
                                + "state) VALUES (?, ?, ?, ?, ?, ?, ?, 'PENDING') ON CONFLICT DO NOTHING",
                        rowId(again.eventId(), d), again.dedupKey(), again.incidentId(), again.audience().name(),
                        again.kind().name(), d, EventCodec.encode(again));
            }
            jdbc.update("UPDATE escalation SET repeats = ?, next_repeat_at = now() + (? * interval '1 second') "
                    + "WHERE incident_id = ?", repeat, props.escalation().repeatInterval().toSeconds(),
                    original.incidentId());
            meters.counter("aof.escalations.repeated").increment();
        }
        return due.size();
    }

    /** Copies of notifications whose destination has not taken them for {@code fallback.after}. */
    int queueFallbacks() {
        String fallback = props.fallback().destination();
        if (fallback.isBlank()) {
            return 0;
        }
        // stuck: old enough, and its destination is failing (its head has been tried: the rows behind it have
        // not, since delivery is in order)
        List<Map<String, Object>> stuck = jdbc.queryForList("SELECT n.id, n.dedup_key, n.incident_id, n.audience, "
                + "n.kind, n.channel, n.request, n.digest, (SELECT h.last_error FROM notification h "
                + "WHERE h.channel = n.channel AND h.state = 'PENDING' AND h.attempts > 0 ORDER BY h.seq LIMIT 1) "
                + "AS last_error FROM notification n WHERE n.state = 'PENDING' AND NOT n.fallback_queued "
                + "AND n.fallback_of IS NULL AND NOT n.update_only AND n.channel <> ? "
                + "AND n.created_at <= now() - (? * interval '1 second') AND EXISTS (SELECT 1 FROM notification h "
                + "WHERE h.channel = n.channel AND h.state = 'PENDING' AND h.attempts > 0) "
                // nor while the fallback is failing too (Slack down: a copy to another Slack channel would only
                // double the backlog); copied once it works again
                + "AND NOT EXISTS (SELECT 1 FROM notification f WHERE f.channel = ? AND f.state = 'PENDING' "
                + "AND f.attempts > 0) "
                + "ORDER BY n.seq LIMIT 100 FOR UPDATE OF n SKIP LOCKED",
                fallback, props.fallback().after().toMillis() / 1000.0, fallback);
        for (Map<String, Object> r : stuck) {
            copyToFallback(r, "[fallback: " + r.get("channel") + " is failing: " + r.get("last_error") + "] ");
            log.warn("{} has not taken notification {} for {}; a copy goes to the fallback {}", r.get("channel"),
                    r.get("dedup_key"), props.fallback().after(), fallback);
        }
        return stuck.size();
    }

    /**
     * A copy of a row its destination refused for good, to the fallback destination (at once: waiting would
     * not help), unless it is itself a copy, only updates a thread, or the fallback is that destination.
     */
    boolean copyRefusedToFallback(UUID id, String error) {
        String fallback = props.fallback().destination();
        if (fallback.isBlank()) {
            return false;
        }
        List<Map<String, Object>> rows = jdbc.queryForList("SELECT id, dedup_key, incident_id, audience, kind, "
                + "channel, request, digest FROM notification WHERE id = ? AND NOT fallback_queued "
                + "AND fallback_of IS NULL AND NOT update_only AND channel <> ?", id, fallback);
        for (Map<String, Object> r : rows) {
            copyToFallback(r, "[fallback: " + r.get("channel") + " refused it for good: " + error + "] ");
        }
        return !rows.isEmpty();
    }

    private void copyToFallback(Map<String, Object> r, String via) {
        String fallback = props.fallback().destination();
        String request = (String) r.get("request");
        String digest = (String) r.get("digest");
        if (request != null) {
            NotificationRequested n = EventCodec.decode(Topics.NOTIFICATION_REQUESTS, request);
            request = EventCodec.encode(n.withTitle(via + n.title()));
        }
        UUID copy = rowId((UUID) r.get("id"), fallback);
        jdbc.update("INSERT INTO notification (id, dedup_key, incident_id, audience, kind, channel, request, "
                        + "digest, state, fallback_of) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'PENDING', ?) "
                        + "ON CONFLICT DO NOTHING", copy, r.get("dedup_key"), r.get("incident_id"),
                r.get("audience"), r.get("kind"), fallback, request, digest, r.get("id"));
        jdbc.update("UPDATE notification SET fallback_queued = true WHERE id = ?", r.get("id"));
        meters.counter("aof.notifications.fallback", "channel", Destination.kindOf((String) r.get("channel")))
                .increment();
    }

    /**
     * Sends FAILED rows again (after the destination was fixed: the bot invited, the channel unarchived): the
     * row {@code id}, or every failed row of {@code destination}; they keep their place in the destination's
     * order. Returns how many were queued again.
     */
    int retryFailed(UUID id, String destination) {
        return jdbc.update("UPDATE notification SET state = 'PENDING', next_try_at = now(), failed_reason = NULL, "
                + "failed_at = NULL WHERE state = 'FAILED' AND (id = ? OR channel = ?)", id, destination);
    }

    private static UUID rowId(UUID eventId, String destination) {
        return UUID.nameUUIDFromBytes((eventId + "/" + destination).getBytes(StandardCharsets.UTF_8));
    }
}
