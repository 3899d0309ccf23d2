package io.aof.collation.poll;

import io.aof.collation.CollationAgainstSimulatorTest;
import io.aof.collation.FakeWorkato;
import io.aof.collation.PlainCollation;
import io.aof.common.events.Topics;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static io.aof.collation.PlainCollation.START;
import static io.aof.collation.PlainCollation.watching;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The poller's state machine, given / when / then, fast: a recipe's cursor
 * (closed at its newest collected failure, or open at a resume point inside a
 * gap), paging, the first sight's lookback on the injected clock, idempotent
 * collection, stopped recipes, stats snapshots. Plain objects on the module's
 * PostgreSQL (the cursor and dedup are SQL) and a {@link FakeWorkato} whose jobs
 * carry the times the test gives them; time passes by moving the clock. Each
 * test compares whole lists: the failures published (outbox order), the calls
 * made to Workato, the cursor as stored.
 *
 * <p>The same paths against the simulator, slower: {@code CollationAgainstSimulatorTest} (page cap and gap,
 * detail cap, recipes' turn, called jobs, test jobs).
 */
public class FailedJobPollerTest {

    static final long R = 7;
    static final long OTHER = 8;

    FakeWorkato workato;
    PlainCollation c;

    @BeforeEach
    void given() throws Exception {
        workato = new FakeWorkato();
        c = new PlainCollation(workato);
    }

    @AfterEach
    void stop() {
        workato.close();
    }

    static Instant ago(Duration d) {
        return START.minus(d);
    }

    /** The calls a sweep makes to Workato. */
    List<String> sweep(FailedJobPoller poller) {
        int from = workato.callCount();
        poller.sweep();
        return workato.callsSince(from);
    }

    static List<Object> cursor(String newest, long count, String resumeAt) {
        return Arrays.asList(newest, count, resumeAt);
    }

    @Test
    void firstSightCollectsTheFailuresWithinTheLookbackOldestFirstAndClosesTheCursorAtTheNewest() {
        workato.recipe(R);
        workato.failed(R, "j-1", ago(Duration.ofMinutes(61)));   // older than the 1 h lookback
        workato.failed(R, "j-2", ago(Duration.ofMinutes(59)));
        workato.job(new FakeWorkato.Job("s-1", R, "succeeded", ago(Duration.ofMinutes(31)),
                ago(Duration.ofMinutes(30)), null, null, false, null, null));
        workato.failed(R, "j-3", ago(Duration.ofMinutes(10)));

        List<String> calls = sweep(c.poller(watching(R)));

        assertThat(c.publishedJobIds()).containsExactly("j-2", "j-3");
        assertThat(calls).containsExactly("list_recipes", "list_jobs 7", "get_job 7 j-3", "get_job 7 j-2");
        assertThat(c.cursor(R)).isEqualTo(cursor("j-3", 3, null));
    }

    @Test
    void eachFailureNamesItsUpstreamFromTheFailedStepsConnectorElseTheHostInItsError() {
        workato.recipe(R);
        workato.failed(R, "j-1", ago(Duration.ofMinutes(3)));
        workato.failedStep("j-1", "netsuite");
        workato.job(new FakeWorkato.Job("j-2", R, "failed", ago(Duration.ofMinutes(3)), ago(Duration.ofMinutes(2)),
                "Failed to open TCP connection to sftp.partner.example:22", null, false, null, null));
        workato.failed(R, "j-3", ago(Duration.ofMinutes(1)));   // "500 boom": nothing names it

        sweep(c.poller(watching(R)));

        assertThat(c.published()).extracting(e -> e.jobId() + " " + e.upstream())
                .containsExactly("j-1 netsuite", "j-2 host:sftp.partner.example", "j-3 null");
    }

    @Test
    void theFirstSightsLookbackIsCountedFromTheInjectedClock() {
        workato.recipe(R);
        workato.failed(R, "j-1", ago(Duration.ofMinutes(59)));
        workato.failed(R, "j-2", ago(Duration.ofMinutes(10)));
        c.clock.advance(Duration.ofMinutes(2));   // j-1 is now 61 minutes old

        sweep(c.poller(watching(R)));

        assertThat(c.publishedJobIds()).containsExactly("j-2");
        assertThat(c.cursor(R)).isEqualTo(cursor("j-2", 2, null));
    }

    @Test
    void aRecipeWhoseFailedCountDidNotMoveHasNoJobsRead() {
        workato.recipe(R);
        workato.failed(R, "j-1", ago(Duration.ofMinutes(5)));
        FailedJobPoller poller = c.poller(watching(R));
        sweep(poller);
        c.clock.advance(Duration.ofSeconds(30));

        List<String> calls = sweep(poller);

        assertThat(calls).containsExactly("list_recipes");
        assertThat(c.publishedJobIds()).containsExactly("j-1");
        assertThat(c.cursor(R)).isEqualTo(cursor("j-1", 1, null));
    }

    @Test
    void aCountThatMovedWithNothingNewerThanTheCursorReadsOnePagePublishesNothingAndTakesTheNewCount() {
        workato.recipe(R);
        workato.failed(R, "j-1", ago(Duration.ofMinutes(5)));
        FailedJobPoller poller = c.poller(watching(R));
        sweep(poller);
        // Workato counts one more failure, and lists none newer than the cursor
        workato.recipe(new FakeWorkato.Recipe(R, "Recipe 7", true, null, null, 2L));

        List<String> second = sweep(poller);
        List<String> third = sweep(poller);

        assertThat(second).containsExactly("list_recipes", "list_jobs 7");
        assertThat(third).containsExactly("list_recipes");
        assertThat(c.publishedJobIds()).containsExactly("j-1");
        assertThat(c.cursor(R)).isEqualTo(cursor("j-1", 2, null));
    }

    @Test
    void anEmptyJobListingClosesTheCursorWithNothingPublished() {
        // counted failures Workato no longer lists (deleted, or past its retention)
        workato.recipe(new FakeWorkato.Recipe(R, "Recipe 7", true, null, null, 4L));

        List<String> first = sweep(c.poller(watching(R)));

        assertThat(first).containsExactly("list_recipes", "list_jobs 7");
        assertThat(c.publishedJobIds()).isEmpty();
        assertThat(c.cursor(R)).isEqualTo(cursor(null, 4, null));
    }

    @Test
    void newFailuresOverSeveralPagesAreEachReadOnceAndPublishedOldestFirstDownToTheCursor() {
        workato.pageSize = 3;
        workato.recipe(R);
        workato.failed(R, "j-1", ago(Duration.ofMinutes(50)));
        FailedJobPoller poller = c.poller(watching(R));
        sweep(poller);
        for (int i = 2; i <= 9; i++) {
            workato.failed(R, "j-" + i, ago(Duration.ofMinutes(50 - i)));
        }
        c.clock.advance(Duration.ofMinutes(1));

        List<String> calls = sweep(poller);

        assertThat(calls).containsExactly("list_recipes",
                "list_jobs 7", "get_job 7 j-9", "get_job 7 j-8", "get_job 7 j-7",
                "list_jobs 7 after j-7", "get_job 7 j-6", "get_job 7 j-5", "get_job 7 j-4",
                "list_jobs 7 after j-4", "get_job 7 j-3", "get_job 7 j-2");
        assertThat(c.publishedJobIds()).containsExactly("j-1", "j-2", "j-3", "j-4", "j-5", "j-6", "j-7", "j-8",
                "j-9");
        assertThat(c.cursor(R)).isEqualTo(cursor("j-9", 9, null));
    }

    @Test
    void aPagesDetailsAreReadSeveralAtOnceWithinTheDetailCapAndPublishedAsIfReadOneByOne() {
        workato.recipe(R);
        for (int i = 1; i <= 7; i++) {
            workato.failed(R, "j-" + i, ago(Duration.ofMinutes(10 - i)));
        }
        java.util.concurrent.atomic.AtomicInteger inFlight = new java.util.concurrent.atomic.AtomicInteger();
        java.util.concurrent.atomic.AtomicInteger most = new java.util.concurrent.atomic.AtomicInteger();
        java.util.concurrent.CountDownLatch together = new java.util.concurrent.CountDownLatch(3);
        workato.onGetJob = () -> {
            most.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
            together.countDown();
            try {   // the first three reads wait for one another: in flight together, or this times out
                together.await(5, java.util.concurrent.TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            inFlight.decrementAndGet();
        };
        Map<String, String> settings = new java.util.HashMap<>(watching(R));
        settings.put("aof.collation.read-concurrency", "3");
        settings.put("aof.collation.max-detail-reads-per-recipe", "5");
        FailedJobPoller poller = c.poller(settings);

        List<String> first = sweep(poller);
        List<String> publishedFirst = c.publishedJobIds();
        workato.onGetJob = () -> { };
        List<String> second = sweep(poller);

        assertThat(most.get()).isEqualTo(3);
        assertThat(first).hasSize(7).startsWith("list_recipes", "list_jobs 7").containsExactlyInAnyOrder(
                "list_recipes", "list_jobs 7", "get_job 7 j-7", "get_job 7 j-6", "get_job 7 j-5", "get_job 7 j-4",
                "get_job 7 j-3");   // the cap: 5 reads, the rest next sweep
        assertThat(publishedFirst).containsExactly("j-3", "j-4", "j-5", "j-6", "j-7");   // oldest first
        assertThat(second).hasSize(5).startsWith("list_recipes", "list_jobs 7 after j-3")
                .endsWith("list_jobs 7 after j-1").contains("get_job 7 j-2", "get_job 7 j-1");
        assertThat(c.publishedJobIds()).containsExactly("j-3", "j-4", "j-5", "j-6", "j-7", "j-1", "j-2");
        assertThat(c.cursor(R)).isEqualTo(cursor("j-7", -1, null));   // the gap closed
    }

    @Test
    void aJobWhoseDetailTheReadAheadCouldNotGetIsDecidedWithoutASecondReadAndHoldsNothingBehindIt() {
        workato.recipe(R);
        for (int i = 1; i <= 5; i++) {
            workato.failed(R, "j-" + i, ago(Duration.ofMinutes(10 - i)));
        }
        workato.detailNotFound = java.util.Set.of("j-5");   // listed as failed, no detail: published as listed
        Map<String, String> settings = new java.util.HashMap<>(watching(R));
        settings.put("aof.collation.read-concurrency", "3");
        settings.put("aof.collation.max-detail-reads-per-recipe", "3");   // the read-ahead spends the whole cap
        FailedJobPoller poller = c.poller(settings);

        List<String> first = sweep(poller);
        List<String> publishedFirst = c.publishedJobIds();
        sweep(poller);

        assertThat(first).hasSize(5).containsExactlyInAnyOrder("list_recipes", "list_jobs 7", "get_job 7 j-5",
                "get_job 7 j-4", "get_job 7 j-3");
        assertThat(publishedFirst).containsExactly("j-3", "j-4", "j-5");
        assertThat(c.publishedJobIds()).containsExactly("j-3", "j-4", "j-5", "j-1", "j-2");
    }

    @Test
    void aJobListedOnTwoPagesOfOneSweepIsReadOnceAndPublishedOnce() {
        workato.pageSize = 3;
        workato.repeatOffsetJob = true;   // each next page starts with the last job of the page before
        workato.recipe(R);
        for (int i = 1; i <= 5; i++) {
            workato.failed(R, "j-" + i, ago(Duration.ofMinutes(10 - i)));
        }

        List<String> calls = sweep(c.poller(watching(R)));

        assertThat(calls).containsExactly("list_recipes",
                "list_jobs 7", "get_job 7 j-5", "get_job 7 j-4", "get_job 7 j-3",
                "list_jobs 7 after j-3", "get_job 7 j-2", "get_job 7 j-1");
        assertThat(c.publishedJobIds()).containsExactly("j-1", "j-2", "j-3", "j-4", "j-5");
        assertThat(c.counter("aof.collation.duplicates", "source", "POLL")).isEqualTo(1);
        assertThat(c.cursor(R)).isEqualTo(cursor("j-5", 5, null));
    }

    @Test
    void aCollatedJobSeenAgainAfterItsCursorWasLostIsNeitherReadNorPublishedAgain() {
        workato.recipe(R);
        workato.failed(R, "j-1", ago(Duration.ofMinutes(20)));
        workato.failed(R, "j-2", ago(Duration.ofMinutes(10)));
        sweep(c.poller(watching(R)));
        // the cursor is lost (a restored backup of an older day): the next sweep is a first sight again
        c.jdbc.update("DELETE FROM recipe_cursor");
        workato.failed(R, "j-3", ago(Duration.ofMinutes(1)));

        List<String> calls = sweep(c.poller(watching(R)));

        assertThat(calls).containsExactly("list_recipes", "list_jobs 7", "get_job 7 j-3");
        assertThat(c.publishedJobIds()).containsExactly("j-1", "j-2", "j-3");
        assertThat(c.counter("aof.collation.duplicates", "source", "POLL")).isEqualTo(2);
        assertThat(c.cursor(R)).isEqualTo(cursor("j-3", 3, null));
    }

    @Test
    void eachRecipeKeepsItsOwnCursorAndARestartedCollationContinuesFromThem() {
        workato.recipe(R);
        workato.recipe(OTHER);
        workato.failed(R, "a-1", ago(Duration.ofMinutes(20)));
        workato.failed(OTHER, "b-1", ago(Duration.ofMinutes(15)));
        sweep(c.poller(watching(R, OTHER)));
        workato.failed(R, "a-2", ago(Duration.ofMinutes(1)));
        c.clock.advance(Duration.ofMinutes(3));

        List<String> calls = sweep(c.poller(watching(R, OTHER)));   // another poller: collation restarted

        assertThat(calls).containsExactly("list_recipes", "list_jobs 7", "get_job 7 a-2");
        assertThat(c.publishedJobIds()).containsExactly("a-1", "b-1", "a-2");
        assertThat(List.of(c.cursor(R), c.cursor(OTHER))).containsExactly(cursor("a-2", 2, null),
                cursor("b-1", 1, null));
    }

    @Test
    void aFailureListedOlderThanTheCursorIsNeverRead() {
        workato.recipe(R);
        workato.failed(R, "j-1", ago(Duration.ofMinutes(20)));
        workato.failed(R, "j-2", ago(Duration.ofMinutes(10)));
        FailedJobPoller poller = c.poller(watching(R));
        sweep(poller);
        // a failure Workato lists below the cursor (and so counts), and a new one above it
        workato.jobOlderThan("j-2", new FakeWorkato.Job("late", R, "failed", ago(Duration.ofMinutes(16)),
                ago(Duration.ofMinutes(15)), "500 boom", null, false, null, null));
        workato.failed(R, "j-3", ago(Duration.ofMinutes(1)));

        List<String> calls = sweep(poller);

        assertThat(calls).containsExactly("list_recipes", "list_jobs 7", "get_job 7 j-3");
        assertThat(c.publishedJobIds()).containsExactly("j-1", "j-2", "j-3");
        assertThat(c.cursor(R)).isEqualTo(cursor("j-3", 4, null));
    }

    @Test
    void aPageCapLeavesAResumePointAndTheNextSweepsCloseTheGapFromThereThenReadFromTheNewestAgain() {
        workato.pageSize = 3;
        workato.recipe(R);
        workato.failed(R, "j-1", ago(Duration.ofMinutes(50)));
        FailedJobPoller poller = c.poller(Map.of("aof.collation.max-pages-per-recipe", "1",
                "aof.collation.watch.recipe-ids[0]", String.valueOf(R)));
        sweep(poller);
        for (int i = 2; i <= 8; i++) {
            workato.failed(R, "j-" + i, ago(Duration.ofMinutes(50 - i)));
        }
        List<List<String>> lists = new ArrayList<>();
        List<List<Object>> cursors = new ArrayList<>();
        List<Double> behind = new ArrayList<>();

        for (int sweep = 0; sweep < 4; sweep++) {
            c.clock.advance(Duration.ofSeconds(30));
            lists.add(sweep(poller).stream().filter(s -> s.startsWith("list_jobs")).toList());
            cursors.add(c.cursor(R));
            behind.add(c.meters.get("aof.collation.failures.behind").gauge().value());
        }

        assertThat(lists).containsExactly(List.of("list_jobs 7"), List.of("list_jobs 7 after j-6"),
                List.of("list_jobs 7 after j-3"), List.of("list_jobs 7"));
        // open at j-6, then at j-3; closed at the newest seen when the gap opened, with a count that makes the
        // next sweep read from the newest whatever Workato counts; then closed there with Workato's count
        assertThat(cursors).containsExactly(cursor("j-1", 8, "j-6"), cursor("j-1", 8, "j-3"), cursor("j-8", -1, null),
                cursor("j-8", 8, null));
        assertThat(behind).containsExactly(4.0, 1.0, 0.0, 0.0);
        assertThat(c.publishedJobIds()).containsExactly("j-1", "j-6", "j-7", "j-8", "j-3", "j-4", "j-5", "j-2");
    }

    @Test
    void aStoppedRecipeIsPublishedOnceEvenAfterARestartAndAgainWhenStoppedAgainAfterRunning() {
        workato.recipe(new FakeWorkato.Recipe(R, "Recipe 7", false, "Trigger error: 401 Unauthorized",
                ago(Duration.ofMinutes(5)), null));
        Map<String, String> settings = watching(R);
        FailedJobPoller poller = c.poller(settings);
        sweep(poller);
        c.clock.advance(Duration.ofMinutes(1));
        sweep(poller);
        sweep(c.poller(settings));   // restarted: the stop is in its cursor
        assertThat(c.outbox(Topics.RECIPE_EVENTS)).containsExactly("RecipeStopped 7", "RecipeStatsSnapshot 7",
                "RecipeStatsSnapshot 7");   // the restarted one's first sweep publishes stats

        workato.recipe(R);   // started again: running, no stop cause
        sweep(poller);
        workato.recipe(new FakeWorkato.Recipe(R, "Recipe 7", false, "Trigger error: 401 Unauthorized",
                START.plus(Duration.ofMinutes(2)), null));
        sweep(poller);
        sweep(poller);

        // running again closes the first stop's incident; the second stop opens another
        assertThat(c.outbox(Topics.RECIPE_EVENTS)).containsExactly("RecipeStopped 7", "RecipeStatsSnapshot 7",
                "RecipeStatsSnapshot 7", "RecipeRunningAgain 7", "RecipeStopped 7");
        List<String> incidents = c.jdbc.queryForList("SELECT payload::jsonb ->> 'incidentId' FROM outbox WHERE topic "
                + "= ? AND event_type IN ('RecipeStopped', 'RecipeRunningAgain') ORDER BY id", String.class,
                Topics.RECIPE_EVENTS.name());
        assertThat(incidents.get(1)).isEqualTo(incidents.get(0));
        assertThat(incidents.get(2)).isNotEqualTo(incidents.get(0));
        assertThat(c.jdbc.queryForList("SELECT stop_cause FROM recipe_cursor", String.class))
                .containsExactly("Trigger error: 401 Unauthorized");
        assertThat(c.publishedJobIds()).isEmpty();
    }

    @Test
    void statsSnapshotsArePublishedOnTheFirstSweepAndThenOncePerStatsIntervalOnTheClock() {
        workato.recipe(R);
        workato.recipe(OTHER);
        FailedJobPoller poller = c.poller(watching(R, OTHER));
        List<Integer> snapshots = new ArrayList<>();

        for (Duration step : List.of(Duration.ZERO, Duration.ofMinutes(14), Duration.ofMinutes(1),
                Duration.ofSeconds(1), Duration.ofMinutes(10))) {
            c.clock.advance(step);
            sweep(poller);
            snapshots.add(c.outbox(Topics.RECIPE_EVENTS).size());
        }

        // at 0; not at 14 min; not at exactly 15 min; at 15 min 1 s; not 10 min later
        assertThat(snapshots).containsExactly(2, 2, 2, 4, 4);
    }

    @Test
    void whatAPageReadBeforeWorkatoFailedIsKeptAndTheNextSweepContinuesBelowIt() {
        workato.pageSize = 2;
        workato.recipe(R);
        workato.failed(R, "j-1", ago(Duration.ofMinutes(50)));
        FailedJobPoller poller = c.poller(watching(R));
        sweep(poller);
        for (int i = 2; i <= 5; i++) {
            workato.failed(R, "j-" + i, ago(Duration.ofMinutes(50 - i)));
        }
        workato.failJobListingsAfter(1, 503);   // Workato answers one page, then fails

        List<String> first = sweep(poller);
        workato.failJobListingsAfter(0, 0);
        List<String> second = sweep(poller);

        assertThat(first).containsExactly("list_recipes", "list_jobs 7", "get_job 7 j-5", "get_job 7 j-4",
                "list_jobs 7 after j-4");
        assertThat(second).containsExactly("list_recipes", "list_jobs 7 after j-4", "get_job 7 j-3",
                "get_job 7 j-2", "list_jobs 7 after j-2");
        assertThat(c.publishedJobIds()).containsExactly("j-1", "j-4", "j-5", "j-2", "j-3");
        assertThat(c.cursor(R)).isEqualTo(cursor("j-5", -1, null));
    }

    @Test
    void aFirstSightWhoseJobsWorkatoCouldNotListKeepsItsLookbackUntilTheyAreRead() {
        workato.recipe(R);
        workato.failed(R, "j-1", ago(Duration.ofMinutes(5)));
        workato.failJobListingsAfter(0, 503);   // the recipe is listed, its jobs are not
        List<String> first = sweep(c.poller(watching(R)));
        c.clock.advance(Duration.ofMinutes(56));   // j-1 is 61 min old: older than a new first sight's lookback
        workato.failJobListingsAfter(0, 0);

        List<String> second = sweep(c.poller(watching(R)));   // collation restarted meanwhile

        assertThat(c.publishedJobIds()).containsExactly("j-1");
        assertThat(first).containsExactly("list_recipes", "list_jobs 7");
        assertThat(second).containsExactly("list_recipes", "list_jobs 7", "get_job 7 j-1");
        assertThat(c.cursor(R)).isEqualTo(cursor("j-1", 1, null));
    }

    // ---- what a failed job becomes (FailureTriage, as the poll uses it) ----------------------------------------

    /** A job of the calling recipe {@code R} that is a workflow's root, and its called job in {@code OTHER}. */
    void workflow(String rootStatus, Instant childEnded) {
        workato.recipe(R);
        workato.recipe(OTHER);
        workato.job(new FakeWorkato.Job("root-1", R, rootStatus, childEnded.minusSeconds(10),
                "pending".equals(rootStatus) ? null : childEnded.plusSeconds(1), "402 Payment Required", null, false,
                null, null));
        workato.job(new FakeWorkato.Job("c-1", OTHER, "failed", childEnded.minusSeconds(5), childEnded,
                "402 Payment Required", null, false, "root-1", R));
    }

    @Test
    void aCalledJobWaitsWhileItsRootRunsAndIsPublishedNotRepeatableOnceTheRootRanCalledRootMaxWaitLongerOnTheClock() {
        workato.recipe(OTHER);
        FailedJobPoller poller = c.poller(watching(OTHER));
        sweep(poller);   // the recipe is known: its cursor is closed, nothing failed yet
        workflow("pending", ago(Duration.ofMinutes(5)));
        List<List<String>> calls = new ArrayList<>();
        List<List<String>> published = new ArrayList<>();

        // the default wait is 2 h after the called job ended: 1 s before it, and at it
        for (Duration step : List.of(Duration.ZERO, Duration.ofMinutes(115).minusSeconds(1), Duration.ofSeconds(1))) {
            c.clock.advance(step);
            calls.add(sweep(poller));
            published.add(c.publishedJobIds());
        }

        List<String> held = List.of("list_recipes", "list_jobs 8", "get_job 8 c-1", "get_job 7 root-1");
        assertThat(calls).containsExactly(held, held, held);
        assertThat(published).containsExactly(List.of(), List.of(), List.of("c-1"));
        assertThat(c.published().get(0).notRepeatable()).contains("job root-1 of recipe 7, was still running PT2H");
        assertThat(c.cursor(OTHER)).isEqualTo(cursor("c-1", 1, null));
    }

    @Test
    void aCalledJobHeldOnTheRecipesFirstSightIsPublishedOnceEvenWhenItsRootRunsLongerThanTheInitialLookback() {
        // the recipe's first sight: its newest failure is a called job whose root is still running
        workflow("pending", ago(Duration.ofMinutes(5)));
        FailedJobPoller poller = c.poller(watching(OTHER));
        List<List<String>> calls = new ArrayList<>();
        List<List<String>> published = new ArrayList<>();

        // at 0; at 56 min (the child is 61 min old: older than the 1 h lookback, its root still runs); 1 s before
        // the default wait of 2 h after the child ended, and at it; once more 30 s later
        for (Duration step : List.of(Duration.ZERO, Duration.ofMinutes(56), Duration.ofMinutes(59).minusSeconds(1),
                Duration.ofSeconds(1), Duration.ofSeconds(30))) {
            c.clock.advance(step);
            calls.add(sweep(poller));
            published.add(c.publishedJobIds());
        }

        assertThat(published).containsExactly(List.of(), List.of(), List.of(), List.of("c-1"), List.of("c-1"));
        assertThat(c.published().get(0).notRepeatable()).contains("job root-1 of recipe 7, was still running PT2H");
        List<String> held = List.of("list_recipes", "list_jobs 8", "get_job 8 c-1", "get_job 7 root-1");
        assertThat(calls).containsExactly(held, held, held, held, List.of("list_recipes"));
        assertThat(c.cursor(OTHER)).isEqualTo(cursor("c-1", 1, null));
    }

    @Test
    void aCalledJobHeldOnTheRecipesFirstSightSurvivesARestartAndIsLinkedOnceItsRootFailsAfterTheLookback() {
        workflow("pending", ago(Duration.ofMinutes(5)));
        sweep(c.poller(watching(OTHER)));   // first sight: c-1 waits for root-1
        c.clock.advance(Duration.ofMinutes(56));   // c-1 is 61 min old now

        FailedJobPoller restarted = c.poller(watching(OTHER));   // collation restarted: nothing kept in memory
        List<String> stillRunning = sweep(restarted);
        workato.setStatus("root-1", "failed");
        c.clock.advance(Duration.ofSeconds(30));
        List<String> rootFailed = sweep(restarted);
        c.clock.advance(Duration.ofSeconds(30));
        List<String> after = sweep(c.poller(watching(OTHER)));   // and restarted again

        assertThat(c.publishedJobIds()).containsExactly("root-1");
        assertThat(c.jdbc.queryForList("SELECT job_id || ' ' || disposition || ' ' || incident_id FROM collected_job "
                + "ORDER BY job_id", String.class)).containsExactly("c-1 LINKED t:7:root-1",
                "root-1 PUBLISHED t:7:root-1");
        assertThat(stillRunning).containsExactly("list_recipes", "list_jobs 8", "get_job 8 c-1", "get_job 7 root-1");
        assertThat(rootFailed).containsExactly("list_recipes", "list_jobs 8", "get_job 8 c-1", "get_job 7 root-1");
        assertThat(after).containsExactly("list_recipes");
        assertThat(c.cursor(OTHER)).isEqualTo(cursor("c-1", 1, null));
    }

    @Test
    void aCalledJobWhoseRootFailedIsLinkedToTheRootsIncidentAndTheRootReadOnce() {
        workflow("failed", ago(Duration.ofMinutes(5)));

        List<String> calls = sweep(c.poller(watching(R, OTHER)));

        assertThat(calls).containsExactly("list_recipes", "list_jobs 7", "get_job 7 root-1", "list_jobs 8",
                "get_job 8 c-1");
        assertThat(c.publishedJobIds()).containsExactly("root-1");
        assertThat(c.jdbc.queryForList("SELECT job_id || ' ' || disposition || ' ' || incident_id FROM collected_job "
                + "ORDER BY job_id", String.class)).containsExactly("c-1 LINKED t:7:root-1",
                "root-1 PUBLISHED t:7:root-1");
    }

    @Test
    void aFailedTestJobIsRememberedAndNeverPublished() {
        workato.recipe(R);
        workato.job(new FakeWorkato.Job("test-1", R, "failed", ago(Duration.ofMinutes(3)), ago(Duration.ofMinutes(2)),
                "500 boom", null, true, null, null));
        workato.failed(R, "j-1", ago(Duration.ofMinutes(1)));

        sweep(c.poller(watching(R)));

        assertThat(c.publishedJobIds()).containsExactly("j-1");
        assertThat(c.jdbc.queryForList("SELECT job_id || ' ' || disposition FROM collected_job ORDER BY job_id",
                String.class)).containsExactly("j-1 PUBLISHED", "test-1 TEST_JOB");
    }

    @Test
    void aDetailCapLetsTheOtherRecipesFailureThroughAndTheRestIsReadOverTheNextSweepsFromWhereEachStopped() {
        workato.recipe(R);
        workato.recipe(OTHER);
        FailedJobPoller poller = c.poller(Map.of("aof.collation.max-detail-reads-per-recipe", "2",
                "aof.collation.watch.recipe-ids[0]", String.valueOf(R),
                "aof.collation.watch.recipe-ids[1]", String.valueOf(OTHER)));
        sweep(poller);   // both known, nothing failed yet
        for (int i = 1; i <= 5; i++) {
            workato.failed(R, "j-" + i, ago(Duration.ofMinutes(10 - i)));
        }
        workato.failed(OTHER, "b-1", ago(Duration.ofMinutes(1)));
        List<List<String>> published = new ArrayList<>();
        List<List<Object>> cursors = new ArrayList<>();

        for (int sweep = 0; sweep < 4; sweep++) {
            c.clock.advance(Duration.ofSeconds(30));
            sweep(poller);
            published.add(c.publishedJobIds());
            cursors.add(c.cursor(R));
        }

        assertThat(published).containsExactly(List.of("j-4", "j-5", "b-1"),
                List.of("j-4", "j-5", "b-1", "j-2", "j-3"),
                List.of("j-4", "j-5", "b-1", "j-2", "j-3", "j-1"),
                List.of("j-4", "j-5", "b-1", "j-2", "j-3", "j-1"));
        assertThat(cursors).containsExactly(cursor(null, 5, "j-4"), cursor(null, 5, "j-2"), cursor("j-5", -1, null),
                cursor("j-5", 5, null));
        assertThat(c.counter("aof.collation.detail.cap.reached")).isEqualTo(2);
    }
}
