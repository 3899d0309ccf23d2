package io.aof.e2e;

import io.aof.collation.CollationApplication;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Collation against the simulator (job lists come 5 to a page here): failures
 * spread over several pages, a restart in the middle of sweeps, a 429 with
 * Retry-After, and a recipe stopped by Workato.
 */
class CollationTest extends SuiteTest {


    @Test
    void aPolledErrorOf2_6MBOpensAnIncidentWithACappedErrorAndLaterFailuresStillOpenTheirs() {
        long huge = sim.addRecipe("Huge error page", "{\"kind\":\"FAIL_TIMES\",\"failTimes\":1,"
                + "\"error\":\"502 Bad Gateway: <html>\",\"httpCode\":502,\"errorSize\":2600000}");
        String hugeJob = sim.trigger(huge);
        String hugeIncident = AofSuite.WORKSPACE + ":" + huge + ":" + hugeJob;
        awaitIncidentState(hugeIncident, "RECOVERED");
        String sql = "SELECT payload->>'error' FROM logger.event_log WHERE incident_id = ? AND event_type = 'JobFailed'";
        await().atMost(Duration.ofSeconds(20)).until(() -> !suite.db.queryForList(sql, String.class, hugeIncident)
                .isEmpty());
        assertThat(suite.db.queryForList(sql, String.class, hugeIncident).get(0))
                .startsWith("502 Bad Gateway: <html>").contains("cut by AOF").hasSizeLessThanOrEqualTo(16_384);

        long after = sim.addRecipe("After the huge error", "{\"kind\":\"FAIL_TIMES\",\"failTimes\":1,"
                + "\"error\":\"503 Service Unavailable\"}");
        awaitIncidentState(AofSuite.WORKSPACE + ":" + after + ":" + sim.trigger(after), "RECOVERED");
    }

    @Test
    void failuresSpreadOverSeveralPagesAreAllCollectedOnce() {
        long recipe = sim.addRecipe("Many failures", "{\"kind\":\"AUTH_ERROR\"}");
        List<String> jobs = new ArrayList<>();
        for (int i = 0; i < 13; i++) {
            jobs.add(sim.trigger(recipe));
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> collected(jobs) == jobs.size());
        await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(5)).until(() -> jobFailedEvents(jobs) == 13);
    }

    @Test
    void aRestartBetweenSweepsLosesAndDuplicatesNothing() {
        long recipe = sim.addRecipe("Restart collation", "{\"kind\":\"AUTH_ERROR\"}");
        List<String> jobs = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            jobs.add(sim.trigger(recipe));
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> collected(jobs) >= 1);
        suite.stop("collation");
        try {
            for (int i = 0; i < 6; i++) {
                jobs.add(sim.trigger(recipe));   // fail while collation is down
            }
        } finally {
            suite.start("collation", CollationApplication::builder);
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> collected(jobs) == jobs.size());
        await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(5)).until(() -> jobFailedEvents(jobs) == 12);
    }

    @Test
    void a429WithRetryAfterIsHonouredBeforeTheNextCall() throws InterruptedException {
        long before = sim.calls("list_recipes", 429);
        long okBefore = sim.calls("list_recipes", 200);
        sim.outage(429, 4);   // answers Retry-After: 4 (then fewer, as the outage runs out)

        Thread.sleep(2500);   // collation polls every 500 ms; honouring Retry-After it calls once in this time

        assertThat(sim.calls("list_recipes", 429) - before).isEqualTo(1);
        await().atMost(Duration.ofSeconds(15)).until(() -> sim.calls("list_recipes", 200) > okBefore);
    }

    @Test
    void aStoppedRecipeYieldsOneRecipeStoppedEvent() {
        long recipe = sim.addRecipe("Stopped once", "{\"kind\":\"HEALTHY\"}");
        sim.stopRecipe(recipe);

        await().atMost(Duration.ofSeconds(30)).until(() -> recipeStoppedEvents(recipe) >= 1);
        await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(6)).until(() -> recipeStoppedEvents(recipe) == 1);
    }

    @Test
    void recipeStatsSnapshotsArePublishedForTheReport() {
        long recipe = sim.addRecipe("Stats", "{\"kind\":\"HEALTHY\"}");
        sim.trigger(recipe);
        sim.trigger(recipe);

        await().atMost(Duration.ofSeconds(30)).until(() -> suite.db.queryForObject("SELECT count(*) FROM "
                + "logger.event_log WHERE event_type = 'RecipeStatsSnapshot' AND recipe_id = ? "
                + "AND (payload->>'jobSucceededCount')::int = 2", Integer.class, recipe) >= 1);
    }

    private static int collected(List<String> jobs) {
        return suite.db.queryForObject("SELECT count(*) FROM \"collation\".collected_job WHERE job_id = ANY (?)",
                Integer.class, (Object) jobs.toArray(String[]::new));
    }

    private static int jobFailedEvents(List<String> jobs) {
        return suite.db.queryForObject("SELECT count(*) FROM logger.event_log WHERE event_type = 'JobFailed' "
                + "AND job_id = ANY (?)", Integer.class, (Object) jobs.toArray(String[]::new));
    }

    private static int recipeStoppedEvents(long recipe) {
        return suite.db.queryForObject("SELECT count(*) FROM logger.event_log WHERE event_type = 'RecipeStopped' "
                + "AND recipe_id = ?", Integer.class, recipe);
    }
}
