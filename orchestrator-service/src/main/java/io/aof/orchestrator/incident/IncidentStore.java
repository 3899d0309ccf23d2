package io.aof.orchestrator.incident;

import io.aof.common.events.IncidentState;
import io.aof.common.events.Category;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.core.RowMapper;
import jakarta.persistence.EntityManager;
import jakarta.persistence.LockModeType;
import org.hibernate.LockMode;
import org.hibernate.Session;
import org.hibernate.engine.spi.SharedSessionContractImplementor;
import org.hibernate.persister.entity.EntityPersister;
import org.springframework.stereotype.Repository;
import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;

import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * What incidents need besides reading one whole ({@link IncidentRepository}): opening one (an insert that does
 * nothing when another consumer opened it first), taking one to change it (row-locked, {@link #lock}), the
 * database's clock, and the SQL where SQL is the point: the durable schedule ({@code scheduled_retry}) and the
 * sweeps' queues taken {@code FOR UPDATE SKIP LOCKED}, the keyset-paged list, the counts. Every query on incidents
 * in a transaction first writes the transaction's changes to them ({@link #writePending}), so SQL never reads a state
 * older than the entities say.
 */
@Repository
class IncidentStore {

    private static final String COLUMNS = "id, workspace, recipe_id, recipe_name, folder_id, original_job_id, "
            + "category, state, attempt, max_attempts, next_retry_at, last_error, opened_at, updated_at, closed_at, "
            + "kind, replays, not_repeatable, webhook_source, upstream, outage_id, announced";

    private static final RowMapper<Incident> MAPPER = (rs, i) -> new Incident(rs.getString(1), rs.getString(2),
            rs.getLong(3), rs.getString(4), (Long) rs.getObject(5), rs.getString(6), Category.valueOf(rs.getString(7)),
            IncidentState.valueOf(rs.getString(8)), rs.getInt(9), rs.getInt(10), instant(rs.getTimestamp(11)),
            rs.getString(12), instant(rs.getTimestamp(13)), instant(rs.getTimestamp(14)),
            instant(rs.getTimestamp(15)), Incident.Kind.valueOf(rs.getString(16)), rs.getInt(17), rs.getString(18), rs.getString(19),
            rs.getString(20), rs.getString(21), rs.getBoolean(22));

    private final JdbcTemplate jdbc;
    private final EntityManager em;
    /** This store's transaction-bound resource: the transaction's {@link #databaseNow}. */
    private final Object nowKey = new Object();

    IncidentStore(JdbcTemplate jdbc, EntityManager em) {
        this.jdbc = jdbc;
        this.em = em;
    }

    /** Inserts the incident unless it exists; returns false when it already existed. */
    boolean insert(Incident i) {
        return jdbc.update("INSERT INTO incident (" + COLUMNS + ") VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?) "
                        + "ON CONFLICT (id) DO NOTHING",
                i.id(), i.workspace(), i.recipeId(), i.recipeName(), i.folderId(), i.originalJobId(), i.category().name(),
                i.state().name(), i.attempt(), i.maxAttempts(), ts(i.nextRetryAt()), i.lastError(), ts(i.openedAt()),
                ts(i.updatedAt()), ts(i.closedAt()), i.kind().name(), i.replays(), i.notRepeatable(),
                i.webhookSource(), i.upstream(), i.outageId(), i.announced()) == 1;
    }

    /**
     * The incident, its row locked until the transaction ends (waiting for another holder: Hibernate's pessimistic
     * write lock, PostgreSQL's {@code FOR NO KEY UPDATE}, which the sweeps' {@code FOR UPDATE SKIP LOCKED} skips),
     * to change it. Every path that changes an incident takes it here first. A copy this transaction already
     * holds locked is current (nobody else can have changed it since), and is returned as it is; one it read
     * earlier without the lock may be stale, and is read afresh with the lock (Hibernate's lock on a managed
     * entity would only lock the row, not reload it). Its changes are written before any SQL on incidents runs in
     * the transaction ({@link #writePending}), or at the commit.
     */
    Optional<Incident> lock(String id) {
        Incident known = managed(id);
        if (known == null) {
            return Optional.ofNullable(em.find(Incident.class, id, LockModeType.PESSIMISTIC_WRITE));
        }
        if (!HELD.contains(em.unwrap(Session.class).getCurrentLockMode(known))) {
            em.flush();   // nothing should be unwritten on an unlocked copy; if it is, it is written, not lost
            em.refresh(known, LockModeType.PESSIMISTIC_WRITE);
        }
        return Optional.of(known);
    }

    /**
     * Lock modes of an incident whose row this transaction holds: locked to change it, or written by it (Hibernate
     * marks an entity it inserted or updated {@code WRITE}; the insert or update locked the row).
     */
    private static final Set<LockMode> HELD = EnumSet.of(LockMode.WRITE, LockMode.PESSIMISTIC_WRITE,
            LockMode.PESSIMISTIC_FORCE_INCREMENT, LockMode.UPGRADE_NOWAIT, LockMode.UPGRADE_SKIPLOCKED);

    /** Whether the incident exists (a plain statement: no entity read, no lock). */
    boolean exists(String id) {
        writePending(em);
        return Boolean.TRUE.equals(jdbc.queryForObject("SELECT EXISTS (SELECT 1 FROM incident WHERE id = ?)",
                Boolean.class, id));
    }

    /** The incident if this transaction's persistence context holds it already (no statement), else null. */
    private Incident managed(String id) {
        SharedSessionContractImplementor session = em.unwrap(SharedSessionContractImplementor.class);
        EntityPersister persister = session.getEntityPersister(Incident.class.getName(), null);
        return (Incident) session.getPersistenceContextInternal().getEntity(session.generateEntityKey(id, persister));
    }

    /**
     * Writes this transaction's changes and forgets the entities it read: the batch listener calls it after each
     * event of a poll, so the persistence context (and the work of each flush) does not grow with the poll.
     */
    void eventDone() {
        em.flush();
        em.clear();
    }

    /** The recipe's incidents that wait for a retry or its outcome, in id order (the order they are locked in). */
    List<String> pendingOfRecipe(long recipeId) {
        writePending(em);
        return jdbc.queryForList("SELECT id FROM incident WHERE recipe_id = ? AND state IN ('RETRY_SCHEDULED', "
                + "'RETRYING') ORDER BY id", String.class, recipeId);
    }

    /**
     * The database's clock: the one due times and maintenance windows are compared with, and the one an
     * incident's times are written in. Inside a transaction it is the transaction's {@code now()} (PostgreSQL's
     * {@code now()} is the time the transaction began), read once per transaction.
     */
    Instant databaseNow() {
        if (!TransactionSynchronizationManager.isActualTransactionActive()) {
            return readNow();
        }
        Instant now = (Instant) TransactionSynchronizationManager.getResource(nowKey);
        if (now == null) {
            now = readNow();
            TransactionSynchronizationManager.bindResource(nowKey, now);
            Instant bound = now;
            TransactionSynchronizationManager.registerSynchronization(new TransactionSynchronization() {
                // a transaction of its own started inside this one (REQUIRES_NEW) reads its own now()
                @Override
                public void suspend() {
                    TransactionSynchronizationManager.unbindResourceIfPossible(nowKey);
                }

                @Override
                public void resume() {
                    TransactionSynchronizationManager.bindResource(nowKey, bound);
                }

                @Override
                public void afterCompletion(int status) {
                    TransactionSynchronizationManager.unbindResourceIfPossible(nowKey);
                }
            });
        }
        return now;
    }

    private Instant readNow() {
        return jdbc.queryForObject("SELECT now()", Timestamp.class).toInstant();
    }

    /** Removes the incident's scheduled retry (nothing when it has none). */
    void unschedule(String incidentId) {
        jdbc.update("DELETE FROM scheduled_retry WHERE incident_id = ?", incidentId);
    }

    /**
     * Suppressed incidents that wait for their window (not closed) whose recipe
     * has no active maintenance window any more (it ran out or was ended), the
     * longest waiting first, locked so that another orchestrator skips them.
     * Incidents suppressed before windows were released were closed and are not
     * taken.
     */
    List<String> lockReleasable(int limit) {
        writePending(em);
        return jdbc.queryForList("SELECT i.id FROM incident i WHERE i.state = 'SUPPRESSED' "
                + "AND i.closed_at IS NULL AND NOT EXISTS (SELECT 1 FROM recipe_suppression s "
                + "WHERE s.recipe_id = i.recipe_id AND s.until > now()) ORDER BY i.updated_at LIMIT ? "
                + "FOR UPDATE OF i SKIP LOCKED", String.class, limit);
    }

    /**
     * Incidents newest first (by opening time), filtered; keyset paging: pass the
     * last row's {@code openedAt} and {@code id} to get the next page.
     */
    List<Incident> list(IncidentFilter f, int limit) {
        List<Object> args = new ArrayList<>();
        StringBuilder sql = new StringBuilder("SELECT " + COLUMNS + " FROM incident WHERE 1=1").append(where(f, args));
        if (f.afterOpenedAt() != null && f.afterId() != null) {
            sql.append(" AND (opened_at, id) < (?, ?)");
            args.add(ts(f.afterOpenedAt()));
            args.add(f.afterId());
        }
        sql.append(" ORDER BY opened_at DESC, id DESC LIMIT ?");
        args.add(limit);
        writePending(em);
        return jdbc.query(sql.toString(), MAPPER, args.toArray());
    }

    /** How many incidents match the filter (its paging position ignored). */
    int count(IncidentFilter f) {
        List<Object> args = new ArrayList<>();
        writePending(em);
        Integer n = jdbc.queryForObject("SELECT count(*) FROM incident WHERE 1=1" + where(f, args), Integer.class,
                args.toArray());
        return n == null ? 0 : n;
    }

    /**
     * The ids of the incidents matching the filter, oldest first, after {@code afterId} in that order (null: from
     * the start): a bulk action walks them in pages, each acted on in its own transaction.
     */
    List<Key> keys(IncidentFilter f, Key after, int limit) {
        List<Object> args = new ArrayList<>();
        StringBuilder sql = new StringBuilder("SELECT opened_at, id FROM incident WHERE 1=1").append(where(f, args));
        if (after != null) {
            sql.append(" AND (opened_at, id) > (?, ?)");
            args.add(ts(after.openedAt()));
            args.add(after.id());
        }
        sql.append(" ORDER BY opened_at, id LIMIT ?");
        args.add(limit);
        writePending(em);
        return jdbc.query(sql.toString(), (rs, n) -> new Key(instant(rs.getTimestamp(1)), rs.getString(2)),
                args.toArray());
    }

    record Key(Instant openedAt, String id) {
    }

    private static String where(IncidentFilter f, List<Object> args) {
        StringBuilder sql = new StringBuilder();
        if (f.state() != null) {
            sql.append(" AND state = ?");
            args.add(f.state().name());
        }
        if (f.recipeId() != null) {
            sql.append(" AND recipe_id = ?");
            args.add(f.recipeId());
        }
        if (f.category() != null) {
            sql.append(" AND category = ?");
            args.add(f.category());
        }
        if (f.upstream() != null) {
            sql.append(" AND upstream = ?");
            args.add(f.upstream());
        }
        if (f.outageId() != null) {
            sql.append(" AND outage_id = ?");
            args.add(f.outageId());
        }
        if (f.openedFrom() != null) {
            sql.append(" AND opened_at >= ?");
            args.add(ts(f.openedFrom()));
        }
        if (f.openedTo() != null) {
            sql.append(" AND opened_at < ?");
            args.add(ts(f.openedTo()));
        }
        return sql.toString();
    }

    record IncidentFilter(IncidentState state, Long recipeId, String category, String upstream, String outageId,
                          Instant openedFrom, Instant openedTo, Instant afterOpenedAt, String afterId) {

        IncidentFilter(IncidentState state, Long recipeId, String category, String upstream, String outageId,
                       Instant openedFrom, Instant openedTo) {
            this(state, recipeId, category, upstream, outageId, openedFrom, openedTo, null, null);
        }

        boolean isEmpty() {
            return state == null && recipeId == null && category == null && upstream == null && outageId == null
                    && openedFrom == null && openedTo == null;
        }
    }

    record Count(String state, String category, long count) {
    }

    List<Count> countByStateAndCategory() {
        writePending(em);
        return jdbc.query("SELECT state, category, count(*) FROM incident GROUP BY state, category",
                (rs, i) -> new Count(rs.getString(1), rs.getString(2), rs.getLong(3)));
    }

    Map<String, Long> countByState() {
        Map<String, Long> counts = new java.util.TreeMap<>();
        writePending(em);
        jdbc.query("SELECT state, count(*) FROM incident GROUP BY state",
                rs -> {
                    counts.put(rs.getString(1), rs.getLong(2));
                });
        return counts;
    }

    /** Per hour of the last {@code hours}: incidents opened, and how many reached each final state. */
    List<Hour> hourly(int hours) {
        Map<Instant, long[]> byHour = new java.util.TreeMap<>();
        Instant start = Instant.now().truncatedTo(java.time.temporal.ChronoUnit.HOURS).minusSeconds(3600L * (hours - 1));
        for (int i = 0; i < hours; i++) {
            byHour.put(start.plusSeconds(3600L * i), new long[4]);
        }
        writePending(em);
        jdbc.query("SELECT date_trunc('hour', opened_at), count(*) FROM incident WHERE opened_at >= ? GROUP BY 1",
                rs -> {
                    long[] h = byHour.get(rs.getTimestamp(1).toInstant());
                    if (h != null) {
                        h[0] = rs.getLong(2);
                    }
                }, java.sql.Timestamp.from(start));
        jdbc.query("SELECT date_trunc('hour', updated_at), state, count(*) FROM incident WHERE updated_at >= ? "
                + "AND state IN ('RECOVERED', 'EXHAUSTED', 'NON_RETRYABLE') GROUP BY 1, 2", rs -> {
                    long[] h = byHour.get(rs.getTimestamp(1).toInstant());
                    if (h != null) {
                        h[switch (rs.getString(2)) {
                            case "RECOVERED" -> 1;
                            case "EXHAUSTED" -> 2;
                            default -> 3;
                        }] = rs.getLong(3);
                    }
                }, java.sql.Timestamp.from(start));
        return byHour.entrySet().stream().map(e -> new Hour(e.getKey(), e.getValue()[0], e.getValue()[1],
                e.getValue()[2], e.getValue()[3])).toList();
    }

    record Hour(Instant hour, long opened, long recovered, long exhausted, long nonRetryable) {
    }

    // attempts

    /**
     * The attempt {@code a} has had no outcome and no sign from recovery for the
     * deadline (the one parameter, in milliseconds): the outcome sweep asks about
     * it, and an operator may replay its incident. One definition for both.
     */
    private static final String ATTEMPT_OVERDUE = "a.outcome IS NULL "
            + "AND a.waiting_since < now() - ? * interval '1 millisecond'";

    /**
     * Incidents RETRYING whose current attempt has had no outcome and no sign
     * from recovery for {@code deadline}, and was not asked about within
     * {@code askInterval}; the incidents are locked (the same order as every
     * other path: the incident first) so that another orchestrator skips them.
     */
    List<Overdue> lockOverdue(java.time.Duration deadline, java.time.Duration askInterval, int limit) {
        writePending(em);
        return jdbc.query("SELECT i.id, a.attempt, a.outcome_asks, a.waiting_since FROM incident i "
                        + "JOIN incident_attempt a ON a.incident_id = i.id AND a.attempt = i.attempt "
                        + "WHERE i.state = 'RETRYING' AND " + ATTEMPT_OVERDUE
                        + " AND (a.last_asked_at IS NULL OR a.last_asked_at < now() - ? * interval '1 millisecond') "
                        + "ORDER BY a.waiting_since LIMIT ? FOR UPDATE OF i SKIP LOCKED",
                (rs, n) -> new Overdue(rs.getString(1), rs.getInt(2), rs.getInt(3), instant(rs.getTimestamp(4))),
                deadline.toMillis(), askInterval.toMillis(), limit);
    }

    /** Whether the incident's current attempt has had no sign from recovery for {@code deadline}. */
    boolean overdue(String incidentId, int attempt, java.time.Duration deadline) {
        writePending(em);
        return Boolean.TRUE.equals(jdbc.queryForObject("SELECT EXISTS (SELECT 1 FROM incident_attempt a WHERE "
                + "a.incident_id = ? AND a.attempt = ? AND " + ATTEMPT_OVERDUE + ")", Boolean.class, incidentId,
                attempt, deadline.toMillis()));
    }

    record Overdue(String incidentId, int attempt, int asks, Instant waitingSince) {
    }

    // schedule

    /**
     * Schedules the attempt {@code delay} from now on the database's clock, the
     * clock {@link #lockDue} compares with (a JVM clock ahead or behind would make
     * a retry due early or late); returns the due time.
     */
    Instant schedule(String incidentId, int attempt, java.time.Duration delay) {
        return jdbc.queryForObject("INSERT INTO scheduled_retry (incident_id, attempt, due_at) "
                        + "VALUES (?, ?, now() + ? * interval '1 millisecond') ON CONFLICT (incident_id) "
                        + "DO UPDATE SET attempt = excluded.attempt, due_at = excluded.due_at RETURNING due_at",
                Timestamp.class, incidentId, attempt, delay.toMillis()).toInstant();
    }

    /**
     * Due retries. The incident rows are locked (not the schedule rows), so that
     * every path locks an incident before its schedule, as resolve and the
     * outcome handlers do: no deadlock between them. Another orchestrator skips
     * incidents locked here.
     */
    List<DueRetry> lockDue(int limit) {
        writePending(em);
        return jdbc.query("SELECT s.incident_id, s.attempt FROM scheduled_retry s JOIN incident i "
                        + "ON i.id = s.incident_id WHERE s.due_at <= now() ORDER BY s.due_at "
                        + "LIMIT ? FOR UPDATE OF i SKIP LOCKED",
                (rs, i) -> new DueRetry(rs.getString(1), rs.getInt(2)), limit);
    }

    record DueRetry(String incidentId, int attempt) {
    }

    /**
     * Writes the transaction's entity changes before SQL on incidents reads them (a JPA change is otherwise written
     * at the commit); {@link OutageStore}'s incident queries call it too. Nothing outside a transaction.
     */
    static void writePending(EntityManager em) {
        if (TransactionSynchronizationManager.isActualTransactionActive()) {
            em.flush();
        }
    }

    private static Timestamp ts(Instant i) {
        return i == null ? null : Timestamp.from(i);
    }

    private static Instant instant(Timestamp t) {
        return t == null ? null : t.toInstant();
    }
}
