package io.aof.notifier.intake;

import io.aof.common.events.EventCodec;
import io.aof.common.events.NotificationRequested.Kind;
import io.aof.common.events.NotificationRequested;
import io.aof.common.events.Topics;
import io.aof.notifier.delivery.Fallbacks;
import io.aof.notifier.delivery.NotificationDispatcher;
import io.aof.notifier.escalation.Escalations;
import io.aof.notifier.grouping.Digest;
import io.aof.notifier.grouping.Digests;
import io.aof.notifier.grouping.Grouping;
import io.aof.notifier.grouping.SignatureStorms;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.core.RowMapper;
import org.springframework.stereotype.Component;

import java.nio.charset.StandardCharsets;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * The notification rows ({@code notification}), one per notification and destination, unique per dedup key
 * and destination, sent in their order ({@code seq}) per destination; and the try marks
 * ({@code notification_try}) that make a lost answer a question rather than a second message. Every row is
 * written by {@link #insert}; what decides them is elsewhere ({@link NotificationIntake}, {@link Digests},
 * {@link Escalations}, {@link Fallbacks}, {@link NotificationDispatcher}).
 */
@Component
public class NotificationStore {

    private static final RowMapper<Original> ORIGINAL = (rs, i) -> new Original(rs.getObject(1, UUID.class),
            rs.getString(2), rs.getString(3), rs.getString(4), rs.getString(5), rs.getString(6), rs.getString(7),
            rs.getString(8), rs.getString(9), rs.getObject(10, UUID.class));

    private final JdbcTemplate jdbc;

    public NotificationStore(JdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    /**
     * A row to store: a request ({@code request}, its JSON) or a digest ({@code digest}, its JSON) for one
     * destination. {@code updateOnly}: it only updates the incident's thread there; {@code fallbackOf}: the row
     * it is the fallback copy of; {@code stormId}: the signature storm it is told in, or one of whose messages it is
     * ({@link SignatureStorms}).
     */
    public record NewRow(UUID id, String dedupKey, String incidentId, String audience, String kind, String destination,
                  String request, String digest, NotificationState state, String groupKey, boolean updateOnly,
                  UUID fallbackOf, UUID stormId) {

        /** The request {@code n} (its JSON {@code raw}) for {@code destination}, its id derived from both. */
        public static NewRow of(NotificationRequested n, String raw, String destination, NotificationState state,
                         String groupKey) {
            return new NewRow(rowId(n.eventId(), destination), n.dedupKey(), n.incidentId(), n.audience().name(),
                    n.kind().name(), destination, raw, null, state, groupKey, false, null, null);
        }

        /** The request {@code n} for {@code destination} where storm control placed it ({@link Grouping.Slot}). */
        public static NewRow of(NotificationRequested n, String raw, String destination, Grouping.Slot slot) {
            return new NewRow(rowId(n.eventId(), destination), n.dedupKey(), n.incidentId(), n.audience().name(),
                    n.kind().name(), destination, raw, null, slot.state(), slot.groupKey(), false, null,
                    slot.stormId());
        }

        /** The same row only updating the incident's thread (its parent message), not telling anything new. */
        NewRow asThreadUpdate() {
            return new NewRow(id, dedupKey, incidentId, audience, kind, destination, request, digest, state, groupKey,
                    true, fallbackOf, stormId);
        }
    }

    /**
     * A pending row; {@code triedAt}: when a try whose answer was lost began (its try mark), else null;
     * {@code fallbackCopy}: it is the fallback copy of another row; {@code stormId}: for a storm's own message
     * (no request), its storm.
     */
    public record Pending(UUID id, String destination, String kind, String incidentId, String request, String digest,
                   boolean updateOnly, int attempts, Instant nextTryAt, Instant createdAt, Instant now,
                   Instant triedAt, boolean fallbackCopy, UUID stormId) {

        /** One of a signature storm's own messages (its first message, an edit, its end, a follow-up). */
        public boolean stormMessage() {
            return stormId != null && request == null;
        }
    }

    /** A row that may get a fallback copy; {@code lastError}: why its destination is failing, when asked for. */
    public record Original(UUID id, String dedupKey, String incidentId, String audience, String kind,
            String destination,
                    String request, String digest, String lastError, UUID stormId) {
    }

    /** A row its destination refused for good, as {@code GET /api/notifications/failed} lists it. */
    public record Failed(UUID id, String destination, String kind, String incidentId, String reason, String error,
                  int attempts, Instant createdAt, Instant failedAt, boolean copiedToFallback) {
    }

    /** The row of a notification to one destination: the same notification to the same destination, the same id. */
    public static UUID rowId(UUID eventId, String destination) {
        return UUID.nameUUIDFromBytes((eventId + "/" + destination).getBytes(StandardCharsets.UTF_8));
    }

    /** Stores the row, unless one with its id, or with its dedup key in its destination, is there already. */
    public void insert(NewRow r) {
        jdbc.update("INSERT INTO notification (id, dedup_key, incident_id, audience, kind, channel, request, digest, "
                        + "state, group_key, update_only, fallback_of, storm_id) "
                        + "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING", r.id(), r.dedupKey(),
                r.incidentId(), r.audience(), r.kind(), r.destination(), r.request(), r.digest(), r.state().name(),
                r.groupKey(), r.updateOnly(), r.fallbackOf(), r.stormId());
    }

    /**
     * Whether the request {@code n} is stored for {@code destination} already (its row, or a row with its dedup key
     * there): the same decision taken twice, or a redelivery the inbox did not catch, is placed and told once.
     */
    boolean stored(NotificationRequested n, String destination) {
        return Boolean.TRUE.equals(jdbc.queryForObject("SELECT EXISTS (SELECT 1 FROM notification WHERE id = ? "
                + "OR (dedup_key = ? AND channel = ?))", Boolean.class, rowId(n.eventId(), destination), n.dedupKey(),
                destination));
    }

    /** The destinations with a pending row whose next try has come. */
    public List<String> dueDestinations() {
        return jdbc.queryForList("SELECT DISTINCT channel FROM notification "
                + "WHERE state = 'PENDING' AND next_try_at <= now()", String.class);
    }

    /**
     * The destination is this transaction's to send to (a transaction advisory lock); false when another
     * instance is sending to it right now.
     */
    public boolean lockDestination(String destination) {
        return Boolean.TRUE.equals(jdbc.queryForObject("SELECT pg_try_advisory_xact_lock(hashtext(?))", Boolean.class,
                "aof-notify:" + destination));
    }

    /** The destination's oldest pending row, locked, due or not; empty when it has none. */
    public Optional<Pending> head(String destination) {
        return jdbc.query("SELECT n.id, n.channel, n.kind, n.incident_id, n.request, n.digest, "
                        + "n.update_only, n.attempts, n.next_try_at, n.created_at, now(), t.tried_at, "
                        + "n.fallback_of IS NOT NULL, n.storm_id "
                        + "FROM notification n LEFT JOIN notification_try t ON t.notification_id = n.id "
                        + "WHERE n.channel = ? AND n.state = 'PENDING' ORDER BY n.seq LIMIT 1 FOR UPDATE OF n",
                (rs, i) -> new Pending(rs.getObject(1, UUID.class), rs.getString(2), rs.getString(3), rs.getString(4),
                        rs.getString(5), rs.getString(6), rs.getBoolean(7), rs.getInt(8),
                        rs.getTimestamp(9).toInstant(), rs.getTimestamp(10).toInstant(),
                        rs.getTimestamp(11).toInstant(), instant(rs, 12), rs.getBoolean(13),
                        rs.getObject(14, UUID.class)), destination)
                .stream().findFirst();
    }

    /**
     * Whether the outage's update {@code id} was overtaken in its destination: the outage's end is stored there
     * (whenever it came: an update must not make an ended outage look open again), or a later update is (its
     * figures are newer). Fallback copies do not count.
     */
    public boolean outageUpdateOvertaken(UUID id) {
        return Boolean.TRUE.equals(jdbc.queryForObject("SELECT EXISTS (SELECT 1 FROM notification r "
                + "JOIN notification o ON o.channel = r.channel AND o.incident_id = r.incident_id AND o.id <> r.id "
                + "WHERE r.id = ? AND o.fallback_of IS NULL "
                + "AND (o.kind = 'OUTAGE_ENDED' OR (o.kind = 'OUTAGE_UPDATED' AND o.seq > r.seq)))",
                Boolean.class, id));
    }

    /** Not sent, overtaken before its turn ({@link NotificationState#SUPERSEDED}). */
    public void superseded(UUID id) {
        jdbc.update("UPDATE notification SET state = ?, last_error = NULL WHERE id = ?",
                NotificationState.SUPERSEDED.name(), id);
    }

    /** The row is about to be sent (its answer could be lost). */
    public void markTry(UUID id) {
        jdbc.update("INSERT INTO notification_try (notification_id) VALUES (?) "
                + "ON CONFLICT (notification_id) DO UPDATE SET tried_at = now()", id);
    }

    /** The answer of the row's try is known. */
    public void clearTry(UUID id) {
        jdbc.update("DELETE FROM notification_try WHERE notification_id = ?", id);
    }

    /** Taken by its destination after {@code attempts} tries, as message {@code ref}. */
    public void delivered(UUID id, int attempts, String ref) {
        jdbc.update("UPDATE notification SET state = ?, attempts = ?, message_ts = ?, "
                + "delivered_at = now(), last_error = NULL WHERE id = ?", NotificationState.DELIVERED.name(),
                attempts, ref, id);
    }

    /**
     * Not taken this time: tried again {@code backoff} after now, counted from the moment of the answer
     * ({@code clock_timestamp()}, not the transaction's start: before the call), so a {@code Retry-After} is
     * kept. Returns the next try's time, on the database's clock (the one the rounds compare it with).
     */
    public Instant retryLater(UUID id, int attempts, Duration backoff, String error) {
        return jdbc.queryForObject("UPDATE notification SET attempts = ?, next_try_at = "
                        + "clock_timestamp() + (? * interval '1 millisecond'), last_error = ? WHERE id = ? "
                        + "RETURNING next_try_at",
                Timestamp.class, attempts, backoff.toMillis(), error, id).toInstant();
    }

    /** Refused for good by its destination ({@code reason}: the channel's short reason). */
    public void failedForGood(UUID id, int attempts, String error, String reason) {
        jdbc.update("UPDATE notification SET state = ?, attempts = ?, last_error = ?, failed_reason = ?, "
                + "failed_at = now() WHERE id = ?", NotificationState.FAILED.name(), attempts, error, reason, id);
    }

    /**
     * Failed rows pending again, due now (the row {@code id}, or every failed row of {@code destination}); they
     * keep their place in the destination's order. How many.
     */
    public int requeueFailed(UUID id, String destination) {
        return jdbc.update("UPDATE notification SET state = ?, next_try_at = now(), failed_reason = NULL, "
                + "failed_at = NULL WHERE state = 'FAILED' AND (id = ? OR channel = ?)",
                NotificationState.PENDING.name(), id, destination);
    }

    /** The rows refused for good, the latest first, at most 500. */
    public List<Failed> failed() {
        return jdbc.query("SELECT id, channel, kind, incident_id, failed_reason, last_error, attempts, created_at, "
                        + "failed_at, fallback_queued FROM notification WHERE state = 'FAILED' "
                        + "ORDER BY failed_at DESC LIMIT 500",
                (rs, i) -> new Failed(rs.getObject(1, UUID.class), rs.getString(2), rs.getString(3), rs.getString(4),
                        rs.getString(5), rs.getString(6), rs.getInt(7), rs.getTimestamp(8).toInstant(),
                        rs.getTimestamp(9).toInstant(), rs.getBoolean(10)));
    }

    /** The digest sent as row {@code id} (not a fallback copy of it). */
    public Optional<Digest> digest(UUID id) {
        return jdbc.queryForList("SELECT digest FROM notification WHERE id = ? AND digest IS NOT NULL "
                        + "AND fallback_of IS NULL", String.class, id).stream()
                .map(json -> EventCodec.mapper().readValue(json, Digest.class)).findFirst();
    }

    /** The requests waiting for the group's digest, locked, in their order. */
    public List<NotificationRequested> grouped(String groupKey) {
        return jdbc.query("SELECT request FROM notification WHERE group_key = ? AND state = 'GROUPED' "
                        + "ORDER BY seq FOR UPDATE",
                (rs, i) -> EventCodec.decode(Topics.NOTIFICATION_REQUESTS, rs.getString(1)), groupKey);
    }

    /** The group's waiting rows went out in digest {@code digestId}. */
    public void digested(String groupKey, UUID digestId) {
        jdbc.update("UPDATE notification SET state = ?, digest_id = ? WHERE group_key = ? AND state = 'GROUPED'",
                NotificationState.DIGESTED.name(), digestId, groupKey);
    }

    /** Where the incident's super-admin alert of {@code kind} went (not its fallback copies, not thread updates). */
    public List<String> superAdminDestinations(String incidentId, Kind kind) {
        return jdbc.queryForList("SELECT DISTINCT channel FROM notification WHERE incident_id = ? "
                + "AND audience = 'SUPER_ADMIN' AND kind = ? AND fallback_of IS NULL AND NOT update_only",
                String.class, incidentId, kind.name());
    }

    /**
     * Rows older than {@code after} that their destination has not taken while it is failing (its head has been
     * tried: the rows behind it have not, since delivery is in order), not copied yet (nor an outage's or a
     * storm's update: it only edits a message, and the start and end are copied), locked (others skip them),
     * at most 100; none while {@code fallback} is failing too (Slack down: a copy to another Slack channel would
     * only double the backlog; they are copied once it works again). Each with its destination's last error.
     */
    public List<Original> stuck(String fallback, Duration after) {
        return jdbc.query("SELECT n.id, n.dedup_key, n.incident_id, n.audience, "
                + "n.kind, n.channel, n.request, n.digest, (SELECT h.last_error FROM notification h "
                + "WHERE h.channel = n.channel AND h.state = 'PENDING' AND h.attempts > 0 ORDER BY h.seq LIMIT 1) "
                + "AS last_error, n.storm_id FROM notification n WHERE n.state = 'PENDING' AND NOT n.fallback_queued "
                + "AND n.fallback_of IS NULL AND NOT n.update_only "
                + "AND n.kind NOT IN ('OUTAGE_UPDATED', 'STORM_UPDATED') "
                + "AND n.channel <> ? "
                + "AND n.created_at <= now() - (? * interval '1 second') AND EXISTS (SELECT 1 FROM notification h "
                + "WHERE h.channel = n.channel AND h.state = 'PENDING' AND h.attempts > 0) "
                + "AND NOT EXISTS (SELECT 1 FROM notification f WHERE f.channel = ? AND f.state = 'PENDING' "
                + "AND f.attempts > 0) "
                + "ORDER BY n.seq LIMIT 100 FOR UPDATE OF n SKIP LOCKED",
                ORIGINAL, fallback, after.toMillis() / 1000.0, fallback);
    }

    /**
     * The row {@code id}, if it may get a fallback copy: not copied yet, not itself a copy, not only a thread
     * update (nor an outage's or a storm's update, which only edits a message), and not to {@code fallback} itself.
     */
    public Optional<Original> copyable(UUID id, String fallback) {
        return jdbc.query("SELECT id, dedup_key, incident_id, audience, kind, "
                + "channel, request, digest, NULL AS last_error, storm_id FROM notification WHERE id = ? "
                + "AND NOT fallback_queued AND fallback_of IS NULL AND NOT update_only "
                + "AND kind NOT IN ('OUTAGE_UPDATED', 'STORM_UPDATED') AND channel <> ?",
                ORIGINAL, id, fallback)
                .stream().findFirst();
    }

    /** The row's fallback copy is stored. */
    public void fallbackQueued(UUID id) {
        jdbc.update("UPDATE notification SET fallback_queued = true WHERE id = ?", id);
    }

    private static Instant instant(ResultSet rs, int column) throws SQLException {
        Timestamp t = rs.getTimestamp(column);
        return t == null ? null : t.toInstant();
    }
}
