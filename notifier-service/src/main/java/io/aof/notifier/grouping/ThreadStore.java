package io.aof.notifier.grouping;

import io.aof.common.events.EventCodec;
import io.aof.common.events.NotificationRequested.Kind;
import io.aof.common.events.Topics;
import io.aof.notifier.delivery.Channel;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * How each incident is told in each destination ({@code incident_thread}): in its own thread, or inside its
 * group's digests, decided at its first alert there; the incident's latest kind (open or resolved); and, once its
 * first message is out, that message's reference, which the later ones reply to and the last one updates. An
 * outage has a thread like an incident, keyed by the outage's id; its updates edit the first message.
 */
@Component
public class ThreadStore {

    private final JdbcTemplate jdbc;

    public ThreadStore(JdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    /**
     * {@code incident_thread.mode}: the incident's own thread, its group's digests, or a signature storm's thread
     * ({@link SignatureStorms}).
     */
    enum Mode { THREAD, GROUPED, STORM }

    /** How an incident is told in a destination, and its group or storm (when it has one). */
    record Placement(Mode mode, String groupKey, UUID stormId) {

        Placement(Mode mode, String groupKey) {
            this(mode, groupKey, null);
        }

        static Placement storm(UUID stormId) {
            return new Placement(Mode.STORM, null, stormId);
        }

        boolean grouped() {
            return mode == Mode.GROUPED;
        }
    }

    /** The incident's placement in the destination, locked for the caller's transaction; empty at its first alert. */
    Optional<Placement> lockPlacement(String destination, String incidentId) {
        return jdbc.query("SELECT mode, group_key, storm_id FROM incident_thread WHERE destination = ? "
                        + "AND incident_id = ? FOR UPDATE", (rs, i) -> new Placement(Mode.valueOf(rs.getString(1)),
                        rs.getString(2), rs.getObject(3, UUID.class)), destination, incidentId).stream().findFirst();
    }

    /**
     * The incident's first alert in the destination: where it will be told from now on; {@code signature}: its
     * error signature's key, when it may be part of a signature storm (else null).
     */
    void place(String destination, String incidentId, Placement placement, Kind kind, String signature) {
        jdbc.update("INSERT INTO incident_thread (destination, incident_id, mode, group_key, storm_id, last_kind, "
                        + "signature) VALUES (?, ?, ?, ?, ?, ?, ?)", destination, incidentId,
                placement.mode().name(), placement.groupKey(), placement.stormId(), kind.name(), signature);
    }

    /**
     * A later alert of the incident in the destination. An ended outage stays ended (a new outage has a new id):
     * a start or update coming after its end does not make its thread look open.
     */
    void told(String destination, String incidentId, Kind kind) {
        jdbc.update("UPDATE incident_thread SET last_kind = ?, updated_at = now() WHERE destination = ? "
                + "AND incident_id = ? AND last_kind <> 'OUTAGE_ENDED'", kind.name(), destination, incidentId);
    }

    /** The incident is resolved ({@code kind}) in every destination it was told in: no reminder names it any more. */
    public void resolved(String incidentId, Kind kind) {
        jdbc.update("UPDATE incident_thread SET last_kind = ?, updated_at = now() WHERE incident_id = ?",
                kind.name(), incidentId);
    }

    /** The destinations where the incident has a thread of its own. */
    public List<String> threadDestinations(String incidentId) {
        return jdbc.queryForList("SELECT destination FROM incident_thread WHERE incident_id = ? AND mode = 'THREAD'",
                String.class, incidentId);
    }

    /**
     * The incident's thread in the destination (its first message's request and references), if it has one. For
     * an outage, the request is its latest start or update stored for the destination (the figures its first
     * message shows, posted or edited), whatever row started the thread: an update that came while the first
     * message could not be posted is not lost, the first message shows it when it goes.
     */
    public Optional<Channel.Thread> thread(String destination, String incidentId) {
        // the thread's first message is the notification row that started it (parent_id); an outage's figures are
        // its latest start or update by the destination's order, reminders and fallback copies aside
        return jdbc.query("SELECT t.parent_ref, t.channel_ref, COALESCE((SELECT f.request FROM notification f "
                        + "WHERE f.channel = t.destination AND f.incident_id = t.incident_id "
                        + "AND f.kind IN ('OUTAGE_STARTED', 'OUTAGE_UPDATED') AND f.request IS NOT NULL "
                        + "AND f.fallback_of IS NULL AND f.dedup_key NOT LIKE '%:repeat:%' "
                        + "ORDER BY f.seq DESC LIMIT 1), p.request) FROM incident_thread t "
                        + "LEFT JOIN notification p ON p.id = t.parent_id "
                        + "WHERE t.destination = ? AND t.incident_id = ? AND t.mode = 'THREAD'",
                (rs, i) -> new Channel.Thread(rs.getString(1), rs.getString(2), rs.getString(3) == null ? null
                        : EventCodec.decode(Topics.NOTIFICATION_REQUESTS, rs.getString(3))), destination, incidentId)
                .stream().findFirst();
    }

    /** The thread's first message went out as row {@code parentId}: later ones reply to {@code parentRef}. */
    public void started(String destination, String incidentId, String parentRef, String channelRef, UUID parentId) {
        jdbc.update("UPDATE incident_thread SET parent_ref = ?, channel_ref = ?, parent_id = ? "
                        + "WHERE destination = ? AND incident_id = ? AND parent_ref IS NULL",
                parentRef, channelRef, parentId, destination, incidentId);
    }

    /** The channel's own id of the destination (Slack's channel id), from any thread started there; null when none. */
    public String channelRef(String destination) {
        return jdbc.query("SELECT channel_ref FROM incident_thread WHERE destination = ? AND channel_ref IS NOT NULL "
                + "LIMIT 1", rs -> rs.next() ? rs.getString(1) : null, destination);
    }

    /** The group's incidents still open, at their latest kind, the first told first. */
    List<Digest.Item> openIncidents(String groupKey) {
        return jdbc.query("SELECT t.incident_id, t.last_kind FROM incident_thread t "
                        + "WHERE t.group_key = ? AND t.last_kind NOT IN ('RECOVERED', 'RESOLVED_MANUALLY') "
                        + "ORDER BY t.created_at",
                (rs, i) -> new Digest.Item(rs.getString(1), null, rs.getString(2), null, null, null), groupKey);
    }
}
