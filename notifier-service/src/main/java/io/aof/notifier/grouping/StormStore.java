package io.aof.notifier.grouping;

import io.aof.common.events.NotificationRequested;
import io.aof.notifier.delivery.Channel;
import io.aof.notifier.intake.NotificationState;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.core.RowMapper;
import org.springframework.stereotype.Component;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * Signature storms ({@code signature_storm}), their incidents ({@code storm_incident}) and the sightings that
 * recognise them ({@code signature_sighting}): which recipes failed with a signature in a destination lately, the
 * storm open for it, what its messages show. Times are on the database's clock.
 */
@Component
public class StormStore {

    /** The longest an incident's error is kept in the storm's list. */
    static final int ERROR_KEPT = 500;

    private static final RowMapper<Due> DUE = (rs, i) -> new Due(rs.getObject(1, UUID.class), rs.getString(2),
            rs.getString(3), instant(rs, 4), instant(rs, 5), rs.getTimestamp(6).toInstant());

    private static final RowMapper<Storm.Incident> INCIDENT = (rs, i) -> new Storm.Incident(rs.getLong(1),
            rs.getString(2), rs.getObject(3, Long.class), rs.getString(4), rs.getString(5), rs.getString(6),
            rs.getObject(7, Integer.class), rs.getObject(8, Integer.class), rs.getString(9), rs.getString(10),
            rs.getInt(11), rs.getTimestamp(12).toInstant(), rs.getTimestamp(13).toInstant());

    private final JdbcTemplate jdbc;

    public StormStore(JdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    /**
     * A storm taken by the tick: its destination and category, when it ended (null: open), when its last follow-up
     * went, and the database's {@code now}.
     */
    record Due(UUID id, String destination, String category, Instant endedAt, Instant lastFollowUpAt, Instant now) {
    }

    /** A storm as an incident's later alert finds it: open or ended. */
    record State(UUID id, boolean ended) {
    }

    /**
     * The signature in the destination is this transaction's until it ends (a transaction advisory lock): two
     * alerts of one signature never decide about its storm at once.
     */
    void lockSignature(String destination, String signature) {
        jdbc.queryForList("SELECT pg_advisory_xact_lock(hashtext(?))", "aof-signature:" + destination + "|"
                + signature);
    }

    /** {@code recipeId} failed with the signature now; how many recipes did within {@code window}, this one too. */
    int sighted(String destination, String signature, long recipeId, Duration window) {
        // a sighting seen within the last second is not written again: a storm's thousands of alerts from a few
        // recipes would otherwise leave as many dead row versions for every count below to step over
        jdbc.update("INSERT INTO signature_sighting (destination, signature, recipe_id) VALUES (?, ?, ?) "
                + "ON CONFLICT (destination, signature, recipe_id) DO UPDATE SET last_at = now() "
                + "WHERE signature_sighting.last_at < now() - interval '1 second'", destination, signature,
                recipeId);
        Integer n = jdbc.queryForObject("SELECT count(*) FROM signature_sighting WHERE destination = ? "
                + "AND signature = ? AND last_at > now() - (? * interval '1 millisecond')", Integer.class,
                destination, signature, window.toMillis());
        return n == null ? 0 : n;
    }

    /** The storm open for the signature in the destination, locked for the caller's transaction. */
    Optional<UUID> open(String destination, String signature) {
        return jdbc.queryForList("SELECT id FROM signature_storm WHERE destination = ? AND signature = ? "
                + "AND ended_at IS NULL FOR UPDATE", UUID.class, destination, signature).stream().findFirst();
    }

    /** A storm recognised now for the signature (open). */
    void create(UUID id, String destination, ErrorSignature signature, String sampleError) {
        jdbc.update("INSERT INTO signature_storm (id, destination, signature, text, category, sample_error, since_at) "
                        + "VALUES (?, ?, ?, ?, ?, ?, now())", id, destination, signature.key(), signature.text(),
                signature.category(), excerpt(sampleError));
    }

    /**
     * The signature's incidents in the destination whose alerts still wait for their group's digest are told
     * inside the storm from now on, those waiting alerts too (their group's digest will not name them). How many
     * incidents moved.
     */
    int moveGrouped(UUID stormId, String destination, String signature) {
        List<String> moved = jdbc.queryForList("UPDATE incident_thread t SET mode = 'STORM', storm_id = ?, "
                + "group_key = NULL, updated_at = now() WHERE t.destination = ? AND t.signature = ? "
                + "AND t.mode = 'GROUPED' AND EXISTS (SELECT 1 FROM notification n WHERE n.channel = t.destination "
                + "AND n.incident_id = t.incident_id AND n.state = 'GROUPED') RETURNING t.incident_id", String.class,
                stormId, destination, signature);
        if (!moved.isEmpty()) {
            jdbc.update("UPDATE notification SET state = ?, storm_id = ?, group_key = NULL WHERE channel = ? "
                    + "AND state = 'GROUPED' AND incident_id = ANY (?)", ps -> {
                        ps.setString(1, NotificationState.STORMED.name());
                        ps.setObject(2, stormId);
                        ps.setString(3, destination);
                        ps.setArray(4, ps.getConnection().createArrayOf("text", moved.toArray()));
                    });
        }
        return moved.size();
    }

    /**
     * The signature's incidents told in the destination before the storm was recognised join its list, each at its
     * latest alert: those first told within {@code window} (in their own thread, or in their group's digest) and
     * those just moved into it. The storm's {@code since} becomes the first of them.
     */
    void backfill(UUID stormId, String destination, String signature, Duration window) {
        jdbc.update("""
                INSERT INTO storm_incident (storm_id, incident_id, recipe_id, recipe_name, job_id, kind, attempt,
                                            max_attempts, error, told, alerts, first_at, last_at)
                SELECT ?, t.incident_id, (r.req ->> 'recipeId')::bigint, r.req ->> 'recipeName', r.req ->> 'jobId',
                       r.kind, (r.req ->> 'attempt')::int, (r.req ->> 'maxAttempts')::int, left(r.req ->> 'error', ?),
                       CASE t.mode WHEN 'STORM' THEN 'STORM' WHEN 'THREAD' THEN 'THREAD' ELSE 'DIGEST' END,
                       r.alerts, t.created_at, r.last_at
                  FROM incident_thread t
                 CROSS JOIN LATERAL (
                       SELECT n.request::jsonb AS req, n.kind, n.created_at AS last_at,
                              count(*) OVER () AS alerts
                         FROM notification n
                        WHERE n.channel = t.destination AND n.incident_id = t.incident_id
                          AND n.request IS NOT NULL AND n.fallback_of IS NULL AND NOT n.update_only
                        ORDER BY n.seq DESC LIMIT 1) r
                 WHERE t.destination = ? AND t.signature = ?
                   AND ((t.mode = 'STORM' AND t.storm_id = ?)
                        OR (t.mode <> 'STORM' AND t.created_at > now() - (? * interval '1 millisecond')))
                 ORDER BY t.created_at, t.incident_id
                ON CONFLICT DO NOTHING
                """, stormId, ERROR_KEPT, destination, signature, stormId, window.toMillis());
        jdbc.update("UPDATE signature_storm SET since_at = LEAST(since_at, COALESCE((SELECT min(first_at) "
                + "FROM storm_incident WHERE storm_id = ?), since_at)) WHERE id = ?", stormId, stormId);
    }

    /**
     * An alert of the storm's incident: the incident joins the storm's list ({@code told}: how it is told), or
     * moves to its latest alert there.
     */
    void incident(UUID stormId, NotificationRequested n, String told) {
        jdbc.update("INSERT INTO storm_incident (storm_id, incident_id, recipe_id, recipe_name, job_id, kind, attempt, "
                        + "max_attempts, error, told) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
                        + "ON CONFLICT (storm_id, incident_id) DO UPDATE SET kind = EXCLUDED.kind, "
                        + "attempt = COALESCE(EXCLUDED.attempt, storm_incident.attempt), "
                        + "error = COALESCE(EXCLUDED.error, storm_incident.error), "
                        + "alerts = storm_incident.alerts + 1, last_at = now()",
                stormId, n.incidentId(), n.recipeId(), n.recipeName(), n.jobId(), n.kind().name(), n.attempt(),
                n.maxAttempts(), excerpt(n.error()), told);
    }

    /**
     * A later alert of an incident told outside the storm (its own thread, its group's digest, before the storm was
     * recognised): the storm's list shows it at its latest alert too.
     */
    void listedElsewhere(String destination, NotificationRequested n) {
        jdbc.update("UPDATE storm_incident SET kind = ?, attempt = COALESCE(?, attempt), alerts = alerts + 1, "
                        + "last_at = now() WHERE incident_id = ? AND told <> 'STORM' AND storm_id IN "
                        + "(SELECT id FROM signature_storm WHERE destination = ?)", n.kind().name(), n.attempt(),
                n.incidentId(), destination);
    }

    /** An alert joined the open storm: it is not quiet, and its first message is edited after {@code wait}. */
    void grew(UUID stormId, Duration wait) {
        jdbc.update("UPDATE signature_storm SET last_alert_at = now(), update_due_at = COALESCE(update_due_at, "
                + "now() + (? * interval '1 millisecond')) WHERE id = ?", wait.toMillis(), stormId);
    }

    /** The storm, locked for the caller's transaction (the tick may be ending it); empty when gone. */
    Optional<State> lock(UUID stormId) {
        return jdbc.query("SELECT id, ended_at IS NOT NULL FROM signature_storm WHERE id = ? FOR UPDATE",
                (rs, i) -> new State(rs.getObject(1, UUID.class), rs.getBoolean(2)), stormId).stream().findFirst();
    }

    /**
     * Alerts wait for the storm's next follow-up: after {@code wait}, and no sooner than {@code spacing} after the
     * last one (a long tail of later alerts is a follow-up per window, not one each).
     */
    void followUpDue(UUID stormId, Duration wait, Duration spacing) {
        jdbc.update("UPDATE signature_storm SET followup_due_at = COALESCE(followup_due_at, GREATEST("
                        + "now() + (? * interval '1 millisecond'), last_followup_at + (? * interval '1 millisecond'))) "
                        + "WHERE id = ?", wait.toMillis(), spacing.toMillis(), stormId);
    }

    /** Open storms whose first message is due an edit, locked (others skip them), at most 50. */
    List<Due> updatesDue() {
        return jdbc.query("SELECT id, destination, category, ended_at, last_followup_at, now() FROM signature_storm "
                + "WHERE update_due_at <= now() AND ended_at IS NULL ORDER BY update_due_at LIMIT 50 "
                + "FOR UPDATE SKIP LOCKED", DUE);
    }

    /** Whether a message of the storm is still waiting to be sent (it will show the latest figures when it goes). */
    boolean messagePending(UUID stormId) {
        return Boolean.TRUE.equals(jdbc.queryForObject("SELECT EXISTS (SELECT 1 FROM notification WHERE storm_id = ? "
                + "AND request IS NULL AND state = 'PENDING' AND fallback_of IS NULL)", Boolean.class, stormId));
    }

    /** The storm's edit is queued (the {@code n}th); none due now. Returns {@code n}. */
    int updateQueued(UUID stormId) {
        Integer n = jdbc.queryForObject("UPDATE signature_storm SET updates = updates + 1, update_due_at = NULL "
                + "WHERE id = ? RETURNING updates", Integer.class, stormId);
        return n == null ? 0 : n;
    }

    /** The storm's edit waits another {@code wait} (a message of it is still pending). */
    void updateLater(UUID stormId, Duration wait) {
        jdbc.update("UPDATE signature_storm SET update_due_at = now() + (? * interval '1 millisecond') WHERE id = ?",
                wait.toMillis(), stormId);
    }

    /** Open storms quiet for {@code window}, locked (others skip them), at most 50. */
    List<Due> quiet(Duration window) {
        return jdbc.query("SELECT id, destination, category, ended_at, last_followup_at, now() FROM signature_storm "
                + "WHERE ended_at IS NULL AND last_alert_at <= now() - (? * interval '1 millisecond') "
                + "ORDER BY last_alert_at LIMIT 50 FOR UPDATE SKIP LOCKED", DUE, window.toMillis());
    }

    /** The storm is over: no edit due any more (its end edits the first message). */
    void ended(UUID stormId) {
        jdbc.update("UPDATE signature_storm SET ended_at = now(), update_due_at = NULL WHERE id = ?", stormId);
    }

    /** Storms whose follow-up is due, locked (others skip them), at most 50. */
    List<Due> followUpsDue() {
        return jdbc.query("SELECT id, destination, category, ended_at, last_followup_at, now() FROM signature_storm "
                + "WHERE followup_due_at <= now() ORDER BY followup_due_at LIMIT 50 FOR UPDATE SKIP LOCKED", DUE);
    }

    /** A follow-up (or a reminder) of the storm was queued now. */
    void followUpTold(UUID stormId) {
        jdbc.update("UPDATE signature_storm SET followup_due_at = NULL, last_followup_at = now() WHERE id = ?",
                stormId);
    }

    /**
     * Ended storms quiet for {@code repeatInterval} (since their end or last follow-up) with incidents told inside
     * them still open, locked (others skip them), at most 50: Alertmanager's repeat_interval, per storm.
     */
    List<Due> remindersDue(Duration repeatInterval) {
        return jdbc.query("SELECT s.id, s.destination, s.category, s.ended_at, s.last_followup_at, now() "
                + "FROM signature_storm s WHERE s.ended_at IS NOT NULL AND s.followup_due_at IS NULL "
                + "AND COALESCE(s.last_followup_at, s.ended_at) <= now() - (? * interval '1 millisecond') "
                + "AND EXISTS (SELECT 1 FROM incident_thread t WHERE t.storm_id = s.id AND t.mode = 'STORM' "
                + "AND t.last_kind NOT IN ('RECOVERED', 'RESOLVED_MANUALLY')) "
                + "LIMIT 50 FOR UPDATE OF s SKIP LOCKED", DUE, repeatInterval.toMillis());
    }

    /** The storm's incidents told inside it that are still open, at their latest alert, the first told first. */
    List<Digest.Item> openIncidents(UUID stormId) {
        return jdbc.query("SELECT i.incident_id, t.last_kind, i.job_id, i.attempt, i.max_attempts, i.error "
                        + "FROM incident_thread t JOIN storm_incident i ON i.storm_id = t.storm_id "
                        + "AND i.incident_id = t.incident_id WHERE t.storm_id = ? AND t.mode = 'STORM' "
                        + "AND t.last_kind NOT IN ('RECOVERED', 'RESOLVED_MANUALLY') ORDER BY i.seq",
                (rs, i) -> new Digest.Item(rs.getString(1), rs.getString(3), rs.getString(2),
                        rs.getObject(4, Integer.class), rs.getObject(5, Integer.class), rs.getString(6)), stormId);
    }

    /** The storm's thread in its destination: its first message once out. */
    Channel.Thread thread(UUID stormId) {
        return jdbc.query("SELECT parent_ref, channel_ref FROM signature_storm WHERE id = ?",
                (rs, i) -> new Channel.Thread(rs.getString(1), rs.getString(2), null), stormId).stream().findFirst()
                .orElse(new Channel.Thread(null, null, null));
    }

    /** The storm's first message went out as {@code parentRef}: its edits and replies go there. */
    void started(UUID stormId, String parentRef, String channelRef) {
        jdbc.update("UPDATE signature_storm SET parent_ref = ?, channel_ref = ? WHERE id = ? AND parent_ref IS NULL",
                parentRef, channelRef, stormId);
    }

    /** The storm with its figures as of now; empty when there is no such storm. */
    Optional<Storm> storm(UUID stormId, String publicUrl) {
        return jdbc.query("SELECT s.id, s.destination, s.text, s.category, s.sample_error, s.since_at, "
                + "s.last_alert_at, s.ended_at, now(), "
                + "(SELECT count(*) FROM storm_incident i WHERE i.storm_id = s.id), "
                + "(SELECT count(DISTINCT i.recipe_id) FROM storm_incident i WHERE i.storm_id = s.id), "
                + "(SELECT COALESCE(sum(i.alerts), 0) FROM storm_incident i WHERE i.storm_id = s.id), "
                + "(SELECT count(*) FROM storm_incident i WHERE i.storm_id = s.id AND i.told <> 'STORM') "
                + "FROM signature_storm s WHERE s.id = ?", (rs, i) -> {
                    UUID id = rs.getObject(1, UUID.class);
                    return new Storm(id, rs.getString(2), rs.getString(3), rs.getString(4), rs.getString(5),
                            rs.getTimestamp(6).toInstant(), rs.getTimestamp(7).toInstant(), instant(rs, 8),
                            rs.getLong(10), rs.getLong(11), rs.getLong(12), rs.getLong(13), byKind(id),
                            topRecipes(id), publicUrl + "/api/storms/" + id, rs.getTimestamp(9).toInstant());
                }, stormId).stream().findFirst();
    }

    private Map<String, Long> byKind(UUID stormId) {
        Map<String, Long> out = new LinkedHashMap<>();
        jdbc.query("SELECT kind, count(*) FROM storm_incident WHERE storm_id = ? GROUP BY kind ORDER BY count(*) DESC, "
                + "kind", rs -> {
                    out.put(rs.getString(1), rs.getLong(2));
                }, stormId);
        return out;
    }

    private List<Storm.RecipeCount> topRecipes(UUID stormId) {
        return jdbc.query("SELECT recipe_id, max(recipe_name), count(*) FROM storm_incident WHERE storm_id = ? "
                        + "GROUP BY recipe_id ORDER BY count(*) DESC, recipe_id LIMIT ?",
                (rs, i) -> new Storm.RecipeCount(rs.getObject(1, Long.class), rs.getString(2), rs.getLong(3)),
                stormId, Storm.RECIPES_SHOWN);
    }

    /** How many incidents the storm has. */
    long incidents(UUID stormId) {
        Long n = jdbc.queryForObject("SELECT count(*) FROM storm_incident WHERE storm_id = ?", Long.class, stormId);
        return n == null ? 0 : n;
    }

    /** {@code limit} of the storm's incidents from {@code offset}, in the order they joined it. */
    List<Storm.Incident> incidents(UUID stormId, int offset, int limit) {
        return jdbc.query("SELECT seq, incident_id, recipe_id, recipe_name, job_id, kind, attempt, max_attempts, "
                + "error, told, alerts, first_at, last_at FROM storm_incident WHERE storm_id = ? ORDER BY seq "
                + "OFFSET ? LIMIT ?", INCIDENT, stormId, offset, limit);
    }

    /** The storms of the last {@code days}, open ones first, then the latest, at most {@code limit}. */
    List<UUID> recent(int days, int limit) {
        return jdbc.queryForList("SELECT id FROM signature_storm WHERE ended_at IS NULL "
                + "OR ended_at > now() - (? * interval '1 day') ORDER BY ended_at IS NULL DESC, recognised_at DESC "
                + "LIMIT ?", UUID.class, days, limit);
    }

    private static String excerpt(String error) {
        return error == null ? null : error.length() > ERROR_KEPT ? error.substring(0, ERROR_KEPT) : error;
    }

    private static Instant instant(ResultSet rs, int column) throws SQLException {
        Timestamp t = rs.getTimestamp(column);
        return t == null ? null : t.toInstant();
    }
}
