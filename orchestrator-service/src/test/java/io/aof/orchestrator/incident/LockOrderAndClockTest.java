package io.aof.orchestrator.incident;

import io.aof.common.events.IncidentEvent;
import io.aof.common.events.IncidentState;
import io.aof.common.events.JobFailed;
import io.aof.common.events.Topics;
import io.aof.orchestrator.policy.OrchestratorProperties.AfterSuppression;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.dao.DataIntegrityViolationException;

import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Concurrency on a real PostgreSQL: the scheduler and an operator's resolve
 * lock an incident and its schedule in one order (no deadlock), a second
 * consumer opening the same incident announces nothing, two operators setting
 * a recipe's first maintenance window at once leave one whole window, and due
 * times are on the database's clock whatever the JVM's says.
 */
class LockOrderAndClockTest {

    final ExecutorService threads = Executors.newFixedThreadPool(2);

    @AfterEach
    void stop() {
        threads.shutdownNow();
    }

    @Test
    void resolveWhileTheSchedulerStartsTheSameIncidentLocksInOneOrderAndCancelsTheRequest() throws Exception {
        OrchestratorDb db = new OrchestratorDb();
        String id = OrchestratorDb.incidentOf("j-1");
        db.given(OrchestratorDb.timeout("j-1"));
        db.jdbc.update("UPDATE scheduled_retry SET due_at = now() - interval '1 second'");
        AtomicInteger resolverPid = new AtomicInteger();
        CountDownLatch picked = new CountDownLatch(1);

        // the scheduler's batch, paused between picking the due rows and starting them
        Future<Integer> scheduler = threads.submit(() -> db.tx.execute(s -> {
            var due = db.incidents.lockDue(100);
            picked.countDown();
            awaitWaitingOnLock(db, resolverPid);   // the resolve below now waits for a lock we hold
            due.forEach(d -> db.service.startAttempt(d.incidentId(), d.attempt()));
            return due.size();
        }));
        assertThat(picked.await(30, TimeUnit.SECONDS)).isTrue();
        Future<Incident> resolve = threads.submit(() -> db.tx.execute(s -> {
            resolverPid.set(db.jdbc.queryForObject("SELECT pg_backend_pid()", Integer.class));
            return db.service.resolve(id, "bob", "done by hand");
        }));

        // neither is chosen as a deadlock victim: both commit
        assertThat(scheduler.get(60, TimeUnit.SECONDS)).isEqualTo(1);
        assertThat(resolve.get(60, TimeUnit.SECONDS).state()).isEqualTo(IncidentState.MANUALLY_RESOLVED);
        // the resolve came second: it saw the request and cancelled it
        assertThat(db.outbox(Topics.RECOVERY_REQUESTS.name())).containsExactly("RecoveryRequested",
                "RecoveryCancelled");
        assertThat(db.scheduled(id)).isZero();
    }

    @Test
    void aSecondConsumerOpeningTheSameIncidentConcurrentlyAnnouncesNothing() throws Exception {
        OrchestratorDb db = new OrchestratorDb();
        JobFailed first = OrchestratorDb.timeout("j-2");
        JobFailed zombie = OrchestratorDb.timeout("j-2");   // the same failure, another event (a zombie's redelivery)
        AtomicInteger zombiePid = new AtomicInteger();
        CountDownLatch opened = new CountDownLatch(1);

        Future<?> a = threads.submit(() -> db.tx.executeWithoutResult(s -> {
            db.service.onJobFailed(first);
            opened.countDown();
            awaitWaitingOnLock(db, zombiePid);   // the zombie saw no incident and waits on our insert
        }));
        assertThat(opened.await(30, TimeUnit.SECONDS)).isTrue();
        Future<?> b = threads.submit(() -> db.tx.executeWithoutResult(s -> {
            zombiePid.set(db.jdbc.queryForObject("SELECT pg_backend_pid()", Integer.class));
            db.service.onJobFailed(zombie);
        }));
        a.get(60, TimeUnit.SECONDS);
        b.get(60, TimeUnit.SECONDS);

        assertThat(db.outbox(Topics.INCIDENT_EVENTS.name())).containsExactly("IncidentOpened", "RetryScheduled");
        assertThat(db.outbox(Topics.NOTIFICATION_REQUESTS.name())).hasSize(1);
        assertThat(db.counter("aof.incidents.open.conflicts")).isEqualTo(1);
    }

    @Test
    void twoFirstWindowsForARecipeAtOnceFailTheLaterWholeAndItsSecondTryReplacesTheFirst() throws Exception {
        OrchestratorDb db = new OrchestratorDb();
        AtomicInteger davePid = new AtomicInteger();
        CountDownLatch set = new CountDownLatch(1);
        Instant hour = Instant.now().plus(Duration.ofHours(1));

        Future<?> carol = threads.submit(() -> db.tx.executeWithoutResult(s -> {
            db.service.suppressRecipe(OrchestratorDb.RECIPE, hour, "ERP upgrade", "carol");
            set.countDown();
            awaitWaitingOnLock(db, davePid);   // dave saw no window either, and waits on our insert
        }));
        assertThat(set.await(30, TimeUnit.SECONDS)).isTrue();
        Future<?> dave = threads.submit(() -> db.tx.executeWithoutResult(s -> {
            davePid.set(db.jdbc.queryForObject("SELECT pg_backend_pid()", Integer.class));
            db.service.suppressRecipe(OrchestratorDb.RECIPE, hour.plus(Duration.ofHours(1)), "longer", "dave");
        }));
        carol.get(60, TimeUnit.SECONDS);
        assertThatThrownBy(() -> dave.get(60, TimeUnit.SECONDS))
                .hasCauseInstanceOf(DataIntegrityViolationException.class);
        // nothing of dave's stayed: not his audit record, not his event
        assertThat(db.jdbc.queryForList("SELECT requested_by FROM operator_action", String.class))
                .containsExactly("carol");
        assertThat(db.outbox(Topics.OPERATOR_ACTIONS.name())).hasSize(1);

        // tried again (as POST /api/suppressions does), his window replaces hers, as a later one always does
        db.tx.executeWithoutResult(s -> db.service.suppressRecipe(OrchestratorDb.RECIPE,
                hour.plus(Duration.ofHours(1)), "longer", "dave"));
        assertThat(db.jdbc.queryForList("SELECT reason || ' ' || requested_by FROM recipe_suppression",
                String.class)).containsExactly("longer dave");
        assertThat(db.jdbc.queryForList("SELECT requested_by FROM operator_action ORDER BY id", String.class))
                .containsExactly("carol", "dave");
    }

    @Test
    void aJvmClockAnHourBehindDoesNotMakeARetryDueAtOnce() {
        OrchestratorDb db = new OrchestratorDb(Clock.offset(Clock.systemUTC(), Duration.ofHours(-1)),
                AfterSuppression.SCHEDULE);
        String id = OrchestratorDb.incidentOf("j-3");
        db.given(OrchestratorDb.timeout("j-3"));

        assertThat(new RetryScheduler(db.incidents, db.service, db.tx).startBatch()).isZero();
        assertThat(db.incident(id).state()).isEqualTo(IncidentState.RETRY_SCHEDULED);
        assertDueInFiveToSixMinutesOnTheDatabaseClock(db, id);
    }

    @Test
    void aJvmClockAnHourAheadDoesNotDelayARetryByAnHour() {
        OrchestratorDb db = new OrchestratorDb(Clock.offset(Clock.systemUTC(), Duration.ofHours(1)),
                AfterSuppression.SCHEDULE);
        String id = OrchestratorDb.incidentOf("j-4");
        db.given(OrchestratorDb.timeout("j-4"));

        assertDueInFiveToSixMinutesOnTheDatabaseClock(db, id);
    }

    @Test
    void anIncidentsAndItsAttemptsTimesAreTheDatabasesClockNotTheJvms() {
        // a JVM an hour behind: an attempt's times on it would make the attempt overdue (deadline 45 min) at once
        OrchestratorDb db = new OrchestratorDb(Clock.offset(Clock.systemUTC(), Duration.ofHours(-1)),
                AfterSuppression.SCHEDULE);
        String id = OrchestratorDb.incidentOf("j-5");
        db.given(OrchestratorDb.timeout("j-5"));
        db.startDueNow(id);
        assertThat(db.incident(id).state()).isEqualTo(IncidentState.RETRYING);

        assertThat(db.jdbc.queryForObject("SELECT abs(extract(epoch FROM now() - updated_at)) FROM incident "
                + "WHERE id = ?", Double.class, id)).isLessThan(60.0);
        assertThat(db.jdbc.queryForObject("SELECT abs(extract(epoch FROM now() - waiting_since)) + "
                + "abs(extract(epoch FROM now() - requested_at)) FROM incident_attempt WHERE incident_id = ?",
                Double.class, id)).isLessThan(60.0);
        List<IncidentStore.Overdue> overdue = db.tx.execute(s -> db.incidents.lockOverdue(
                db.props.outcomeSweep().deadline(), db.props.outcomeSweep().askInterval(), 10));
        assertThat(overdue).isEmpty();
    }

    /** Policy: 5 min before attempt 1, +20% jitter at most. */
    private static void assertDueInFiveToSixMinutesOnTheDatabaseClock(OrchestratorDb db, String id) {
        Double inSeconds = db.jdbc.queryForObject("SELECT extract(epoch FROM due_at - now()) FROM scheduled_retry "
                + "WHERE incident_id = ?", Double.class, id);
        assertThat(inSeconds).isBetween(240.0, 360.0);
        Instant due = db.jdbc.queryForObject("SELECT due_at FROM scheduled_retry WHERE incident_id = ?",
                Timestamp.class, id).toInstant();
        // what the incident and its event say is the due time the scheduler compares with
        assertThat(db.incident(id).nextRetryAt()).isEqualTo(due);
        assertThat(db.events(Topics.INCIDENT_EVENTS, IncidentEvent.RetryScheduled.class))
                .singleElement().satisfies(e -> assertThat(e.dueAt()).isEqualTo(due));
    }

    /** Waits (without a time assertion) until the backend of {@code pid} waits for a lock. */
    static void awaitWaitingOnLock(OrchestratorDb db, AtomicInteger pid) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) {
            // wait_event_type is NULL while the backend runs: a list holding null, so no findFirst() on it
            if (pid.get() != 0 && db.jdbc.queryForList("SELECT wait_event_type FROM pg_stat_activity WHERE pid = ?",
                    String.class, pid.get()).contains("Lock")) {
                return;
            }
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
        throw new IllegalStateException("backend " + pid.get() + " never waited for a lock");
    }
}
