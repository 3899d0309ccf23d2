package io.aof.collation.webhook;

import io.aof.collation.CollationAgainstSimulatorTest;
import io.aof.collation.CollationInstancesTest;
import io.aof.collation.FakeWorkato;
import io.aof.collation.PlainCollation;
import io.aof.common.events.EventCodec;
import io.aof.common.events.JobFailed;
import io.aof.common.events.NotificationRequested;
import io.aof.common.events.Topics;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static io.aof.collation.PlainCollation.START;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The webhook verifier's state machine, given / when / then, fast: a pending
 * failure is VERIFIED (and collected), REFUSED, kept PENDING for later, or
 * published UNVERIFIED past {@code verify-timeout}; a run reads only within its
 * claim. Plain objects on the module's PostgreSQL (claims, due times and the
 * timeout are on its clock, and the tests move rows back in time there), a
 * {@link FakeWorkato}, the injected clock for alert periods and a hand-moved
 * monotonic clock for how long a run's reads take.
 *
 * <p>The same paths against the simulator, slower: {@code CollationAgainstSimulatorTest} (refusals by reason,
 * a master named by Workato, an outage, the unverified burst with one alert, a poll verifying without a read,
 * called jobs); several instances: {@code CollationInstancesTest}.
 */
public class WebhookVerifierTest {

    static final long R = 7;

    FakeWorkato workato;
    PlainCollation c;
    /** The monotonic clock of the verifiers' runs, in nanoseconds: moved by the test, never by itself. */
    final AtomicLong ticks = new AtomicLong(1_000_000_000L);

    @BeforeEach
    void given() throws Exception {
        workato = new FakeWorkato();
        c = new PlainCollation(workato);
        workato.recipe(R);
    }

    @AfterEach
    void stop() {
        workato.close();
    }

    WebhookVerifier verifier(Map<String, String> settings) {
        return c.verifier(settings, ticks::get);
    }

    WebhookVerifier verifier() {
        return verifier(Map.of());
    }

    /** Each read of a job detail takes {@code d} on the runs' monotonic clock. */
    void readsTake(Duration d) {
        workato.onGetJob = () -> ticks.addAndGet(d.toNanos());
    }

    /** The job details read from call {@code from} on. */
    List<String> readsSince(int from) {
        return workato.callsSince(from).stream().filter(s -> s.startsWith("get_job")).toList();
    }

    /** Pending failures r-1..r-n, all failed in Workato, due in that order. */
    void pendingFailures(int n) {
        for (int i = 1; i <= n; i++) {
            workato.failed(R, "r-" + i, START.minusSeconds(60 - i));
            c.pending(R, "r-" + i, null);
        }
        // due one after the other, so a run reads them in this order
        c.jdbc.update("UPDATE webhook_pending SET next_check_at = now() - interval '1 minute' "
                + "+ substr(job_id, 3)::int * interval '1 second'");
    }

    @Test
    void workatosAnswerSettlesEachPendingFailure() {
        workato.failed(R, "failed", START.minusSeconds(30));
        workato.job(new FakeWorkato.Job("succeeded", R, "succeeded", START.minusSeconds(40), START.minusSeconds(35),
                null, null, false, null, null));
        workato.failed(R, "forged-master", START.minusSeconds(20));   // a failed job that is no repeat
        c.pending(R, "failed", null);
        c.pending(R, "succeeded", null);
        c.pending(R, "no-such-job", null);
        c.pending(R, "forged-master", "failed");

        int settled = verifier().verifyDue();

        assertThat(settled).isEqualTo(4);
        assertThat(c.pendingRows()).containsExactly("failed VERIFIED failed in Workato",
                "forged-master REFUSED master_mismatch", "no-such-job REFUSED not_found",
                "succeeded REFUSED succeeded");
        assertThat(c.publishedJobIds()).containsExactly("failed");
        assertThat(c.jdbc.queryForList("SELECT job_id || ' ' || source || ' ' || disposition FROM collected_job",
                String.class)).containsExactly("failed WEBHOOK PUBLISHED");
    }

    @Test
    void aJobStillRunningIsAskedAgainOnlyAfterTheVerifyDelayAndCollectedOnceItFailed() {
        workato.job(new FakeWorkato.Job("p-1", R, "pending", START.minusSeconds(5), null, null, null, false, null,
                null));
        c.pending(R, "p-1", null);
        WebhookVerifier verifier = verifier();

        int first = verifier.verifyDue();
        int calls = workato.callCount();
        int again = verifier.verifyDue();   // at once: not due yet
        List<String> rowsMeanwhile = c.pendingRows();
        workato.setStatus("p-1", "failed");
        c.jdbc.update("UPDATE webhook_pending SET next_check_at = now()");   // the delay passed, on the database
        int later = verifier.verifyDue();

        assertThat(List.of(first, again, later)).containsExactly(0, 0, 1);
        assertThat(rowsMeanwhile).containsExactly("p-1 PENDING pending");
        assertThat(workato.callsSince(calls)).containsExactly("get_job 7 p-1");
        assertThat(c.pendingRows()).containsExactly("p-1 VERIFIED failed in Workato");
        assertThat(c.publishedJobIds()).containsExactly("p-1");
    }

    @Test
    void aFailureWorkatoDoesNotAnswerForPastTheTimeoutIsPublishedNotRepeatableWithOneAlertPerPeriodOfTheClock() {
        Map<String, String> settings = Map.of("aof.collation.webhook.verify-timeout", "1h");
        WebhookVerifier verifier = verifier(settings);
        workato.down(503);
        c.pending(R, "j-1", null);
        c.pending(R, "j-2", "j-claimed-master");
        verifier.verifyDue();
        List<String> whileDown = c.pendingRows();

        // an hour and more later, on the database's clock (received_at) and on collation's
        c.jdbc.update("UPDATE webhook_pending SET received_at = received_at - interval '61 minutes'");
        c.clock.advance(Duration.ofMinutes(61));
        int first = verifier.verifyDue();
        c.pending(R, "j-3", null);   // later in the same period of an hour
        c.jdbc.update("UPDATE webhook_pending SET received_at = now() - interval '61 minutes' WHERE job_id = 'j-3'");
        c.clock.advance(Duration.ofMinutes(10));
        int second = verifier.verifyDue();
        c.pending(R, "j-4", null);   // in the next period
        c.jdbc.update("UPDATE webhook_pending SET received_at = now() - interval '61 minutes' WHERE job_id = 'j-4'");
        c.clock.advance(Duration.ofHours(1));
        int third = verifier.verifyDue();

        assertThat(whileDown).containsExactly("j-1 PENDING workato: SERVER_ERROR", "j-2 PENDING -");
        assertThat(List.of(first, second, third)).containsExactly(2, 1, 1);
        assertThat(c.pendingRows()).containsExactly(
                "j-1 UNVERIFIED published not repeatable (workato: SERVER_ERROR)",
                "j-2 UNVERIFIED published not repeatable (never read)",
                "j-3 UNVERIFIED published not repeatable (never read)",
                "j-4 UNVERIFIED published not repeatable (never read)");
        List<JobFailed> published = c.published();
        assertThat(published).extracting(JobFailed::jobId).containsExactly("j-1", "j-2", "j-3", "j-4");
        assertThat(published).allSatisfy(f -> {
            assertThat(f.notRepeatable()).startsWith("could not be verified with Workato within PT1H");
            assertThat(f.masterJobId()).isNull();   // the master the webhook named was not verified either
        });
        long period = START.plus(Duration.ofMinutes(61)).getEpochSecond() / 3600;
        assertThat(alerts()).containsExactly("webhook-unverified:" + period, "webhook-unverified:" + period,
                "webhook-unverified:" + (period + 1));
    }

    /** The trouble ids of the AOF_TROUBLE alerts asked for, in order. */
    List<String> alerts() {
        return c.jdbc.queryForList("SELECT payload FROM outbox WHERE topic = ? ORDER BY id", String.class,
                        Topics.NOTIFICATION_REQUESTS.name()).stream()
                .map(p -> EventCodec.decode(Topics.NOTIFICATION_REQUESTS, p))
                .map(NotificationRequested::incidentId).toList();
    }

    // ---- the claim ---------------------------------------------------------------------------------------------

    /** One read at a time: the claim tests count reads on the runs' monotonic clock, one after another. */
    static final Map<String, String> ONE_AT_A_TIME = Map.of("aof.collation.read-concurrency", "1");

    @Test
    void aRunReadsOnlyWithinFourFifthsOfItsClaimAndReleasesTheRestAtOnceForTheNextRun() {
        pendingFailures(5);
        readsTake(Duration.ofSeconds(10));   // the claim is 30 s: reads start at 0, 10 and 20 s, not at 30 s
        int from = workato.callCount();

        int a = verifier(ONE_AT_A_TIME).verifyDue();
        List<String> readByA = readsSince(from);
        List<String> rowsAfterA = c.pendingRows();
        int b = verifier(ONE_AT_A_TIME).verifyDue();   // another instance's run, right after

        assertThat(a).isEqualTo(3);
        assertThat(readByA).containsExactly("get_job 7 r-1", "get_job 7 r-2", "get_job 7 r-3");
        assertThat(rowsAfterA).containsExactly("r-1 VERIFIED failed in Workato", "r-2 VERIFIED failed in Workato",
                "r-3 VERIFIED failed in Workato", "r-4 PENDING -", "r-5 PENDING -");
        // released rows are due at one instant: the next run reads them in either order
        assertThat(b).isEqualTo(2);
        assertThat(readsSince(from)).hasSize(5).startsWith("get_job 7 r-1", "get_job 7 r-2", "get_job 7 r-3")
                .containsExactlyInAnyOrder("get_job 7 r-1", "get_job 7 r-2", "get_job 7 r-3", "get_job 7 r-4",
                        "get_job 7 r-5");
        assertThat(c.publishedJobIds()).startsWith("r-1", "r-2", "r-3")
                .containsExactlyInAnyOrder("r-1", "r-2", "r-3", "r-4", "r-5");
    }

    @Test
    void aClaimShorterThanOneSlowReadStillReadsItsFirstRowAndLeavesTheOthersUnreadForTheNextRun() {
        pendingFailures(3);
        Map<String, String> oneSecond = Map.of("aof.collation.webhook.verify-claim", "1s",   // the shortest
                "aof.collation.read-concurrency", "1");
        readsTake(Duration.ofSeconds(2));   // longer than the whole claim
        int from = workato.callCount();

        int first = verifier(oneSecond).verifyDue();
        List<String> readByFirst = readsSince(from);
        boolean othersDueAtOnce = c.jdbc.queryForObject("SELECT bool_and(next_check_at <= now()) FROM "
                + "webhook_pending WHERE state = 'PENDING'", Boolean.class);
        int second = verifier(oneSecond).verifyDue();
        int third = verifier(oneSecond).verifyDue();

        assertThat(List.of(first, second, third)).containsExactly(1, 1, 1);
        assertThat(readByFirst).containsExactly("get_job 7 r-1");
        assertThat(othersDueAtOnce).isTrue();
        assertThat(readsSince(from)).startsWith("get_job 7 r-1")
                .containsExactlyInAnyOrder("get_job 7 r-1", "get_job 7 r-2", "get_job 7 r-3");
        assertThat(c.publishedJobIds()).startsWith("r-1").containsExactlyInAnyOrder("r-1", "r-2", "r-3");
    }

    @Test
    void aRunReadsReadConcurrencyRowsAtOnceAndSettlesThemInTheOrderTheyFellDue() throws Exception {
        pendingFailures(5);
        AtomicInteger inFlight = new AtomicInteger();
        AtomicInteger most = new AtomicInteger();
        java.util.concurrent.CountDownLatch firstWave = new java.util.concurrent.CountDownLatch(3);
        workato.onGetJob = () -> {
            most.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
            firstWave.countDown();
            try {   // the first three reads wait for one another: they are in flight together or this times out
                firstWave.await(5, java.util.concurrent.TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            inFlight.decrementAndGet();
        };
        Map<String, String> three = Map.of("aof.collation.read-concurrency", "3");

        int settled = verifier(three).verifyDue();

        assertThat(settled).isEqualTo(5);
        assertThat(most.get()).isEqualTo(3);
        assertThat(c.publishedJobIds()).containsExactly("r-1", "r-2", "r-3", "r-4", "r-5");
    }

    @Test
    void aReadWorkatoCouldNotAnswerStopsTheReadsNotStartedYetAndTheReadsInFlightAreSettled() {
        pendingFailures(5);
        workato.unanswered = java.util.Set.of("r-1");   // answered 503 at once
        workato.onGetJob = () -> {
            try {
                Thread.sleep(300);   // r-2, in flight beside r-1, is answered well after r-1's refusal
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        };
        Map<String, String> two = Map.of("aof.collation.read-concurrency", "2");
        int from = workato.callCount();

        int settled = verifier(two).verifyDue();

        assertThat(readsSince(from)).containsExactlyInAnyOrder("get_job 7 r-1", "get_job 7 r-2");
        assertThat(settled).isEqualTo(1);
        assertThat(c.pendingRows()).containsExactly("r-1 PENDING workato: SERVER_ERROR",
                "r-2 VERIFIED failed in Workato", "r-3 PENDING -", "r-4 PENDING -", "r-5 PENDING -");
        assertThat(c.jdbc.queryForList("SELECT job_id FROM webhook_pending WHERE state = 'PENDING' "
                + "AND next_check_at <= now() ORDER BY job_id", String.class))
                .containsExactly("r-3", "r-4", "r-5");   // never read: due again at once; r-1 after the delay
    }

    @Test
    void aVerifiedFailureTheDatabaseRefusesFailsAloneAndIsReadAgainLaterTheOthersOfItsChunkAreSettled() {
        pendingFailures(5);
        c.jdbc.execute("""
                CREATE FUNCTION refuse_r3() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN IF NEW.job_id = 'r-3' THEN RAISE EXCEPTION 'refused r-3'; END IF; RETURN NEW; END $$""");
        c.jdbc.execute("CREATE TRIGGER refuse_r3 BEFORE INSERT ON collected_job FOR EACH ROW "
                + "EXECUTE FUNCTION refuse_r3()");
        try {
            int settled = verifier().verifyDue();

            assertThat(settled).isEqualTo(4);
            assertThat(c.pendingRows()).containsExactly("r-1 VERIFIED failed in Workato",
                    "r-2 VERIFIED failed in Workato", "r-3 PENDING could not be stored: UncategorizedSQLException",
                    "r-4 VERIFIED failed in Workato", "r-5 VERIFIED failed in Workato");
            assertThat(c.publishedJobIds()).containsExactly("r-1", "r-2", "r-4", "r-5");
        } finally {
            c.jdbc.execute("DROP TRIGGER refuse_r3 ON collected_job");
            c.jdbc.execute("DROP FUNCTION refuse_r3()");
        }
    }

    @Test
    void whileARunReadsSlowlyAnotherInstanceGetsNoneOfTheRowsItClaimed() {
        pendingFailures(3);
        WebhookVerifier other = verifier();
        AtomicInteger settledByOther = new AtomicInteger(-1);
        AtomicBoolean once = new AtomicBoolean();
        workato.onGetJob = () -> {
            ticks.addAndGet(Duration.ofSeconds(5).toNanos());
            if (once.compareAndSet(false, true)) {
                settledByOther.set(other.verifyDue());   // during the first read: all three are claimed
            }
        };
        int from = workato.callCount();

        int settled = verifier().verifyDue();

        assertThat(settledByOther.get()).isZero();
        assertThat(settled).isEqualTo(3);
        assertThat(readsSince(from)).containsExactly("get_job 7 r-1", "get_job 7 r-2", "get_job 7 r-3");
        assertThat(c.publishedJobIds()).containsExactly("r-1", "r-2", "r-3");
    }

    @Test
    void theRowsOfARunThatDiedAreReadByAnotherInstanceOnceTheirClaimHasPassedOnTheDatabasesClock() {
        pendingFailures(2);
        // a run claims both rows and dies before reading them (kill -9)
        assertThat(new WebhookPendingStore(c.jdbc).claimDue(Duration.ofSeconds(30), 20)).hasSize(2);
        WebhookVerifier other = verifier();
        int from = workato.callCount();

        int during = other.verifyDue();
        c.jdbc.update("UPDATE webhook_pending SET next_check_at = next_check_at - interval '30 seconds'");
        int after = other.verifyDue();

        assertThat(List.of(during, after)).containsExactly(0, 2);
        assertThat(readsSince(from)).containsExactlyInAnyOrder("get_job 7 r-1", "get_job 7 r-2");
        assertThat(c.pendingRows()).containsExactly("r-1 VERIFIED failed in Workato",
                "r-2 VERIFIED failed in Workato");
    }
}
