package io.aof.e2e;

import io.aof.common.events.AofEvent;
import io.aof.common.events.Category;
import io.aof.common.events.EventCodec;
import io.aof.common.events.IncidentEvent;
import io.aof.common.events.IncidentState;
import io.aof.common.events.RecipeEvent.RecipeStatsSnapshot;
import io.aof.common.events.Topics;
import io.aof.common.report.JobReport;
import io.aof.logger.LoggerApplication;
import io.aof.logger.report.ReportProperties;
import io.aof.logger.report.ReportScheduler;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.context.ConfigurableApplicationContext;
import tools.jackson.databind.JsonNode;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The periodic job report against a scripted week of events, published on the
 * real topics and ingested by the running logger: every figure is checked
 * against values worked out by hand. Then the weekly schedule fires on two
 * logger instances at once, and the report is sent once, to Slack and by e-mail.
 */
class ReportTest extends SuiteTest {

    static final String WS = "report-week";
    /** The scripted week [T0, T0 + 7d), UTC midnight two weeks ago (inside the logger's retention). */
    static final Instant T0 = Instant.now().truncatedTo(ChronoUnit.DAYS).minus(Duration.ofDays(14));
    static final Instant END = T0.plus(Duration.ofDays(7));

    static final long ORDERS = 9001;
    static final long INVOICES = 9002;
    static final long HR = 9003;

    @BeforeAll
    static void scriptTheWeek() {
        List<AofEvent> recipe = new ArrayList<>();
        List<IncidentEvent> incident = new ArrayList<>();
        // stats snapshots: 9001 has one before the previous week, 9002 only just before this week, 9003 is new
        recipe.add(snapshot(ORDERS, "Orders sync", at(-7, 1), 100, 10));
        recipe.add(snapshot(ORDERS, "Orders sync", at(0, -1), 200, 12));
        recipe.add(snapshot(ORDERS, "Orders sync", at(3, 0), 300, 15));
        recipe.add(snapshot(ORDERS, "Orders sync", at(7, -1), 400, 20));
        recipe.add(snapshot(ORDERS, "Orders sync", at(7, 1), 999, 99));          // after the week: ignored
        recipe.add(snapshot(INVOICES, "Invoices", at(0, -2), 50, 5));
        recipe.add(snapshot(INVOICES, "Invoices", at(6, 0), 80, 5));
        recipe.add(snapshot(HR, "HR feed", at(1, 0), 10, 1));
        recipe.add(snapshot(HR, "HR feed", at(5, 0), 15, 4));

        // Orders sync
        incident.add(opened(ORDERS, "Orders sync", "j-A", at(0, 1), "UPSTREAM_5XX"));
        incident.add(recovered(ORDERS, "j-A", at(0, 1).plus(Duration.ofMinutes(10)), "UPSTREAM_5XX"));   // 600 s
        incident.add(opened(ORDERS, "Orders sync", "j-B", at(2, 0), "UPSTREAM_5XX"));
        incident.add(recovered(ORDERS, "j-B", at(2, 0).plus(Duration.ofMinutes(30)), "UPSTREAM_5XX"));   // 1800 s
        incident.add(opened(ORDERS, "Orders sync", "j-C", at(3, 0), "TIMEOUT"));
        incident.add(exhausted(ORDERS, "j-C", at(3, 0).plus(Duration.ofMinutes(50)), "TIMEOUT"));         // open
        incident.add(opened(ORDERS, "Orders sync", "j-D", at(-1, 0), "TIMEOUT"));                           // last week
        incident.add(recovered(ORDERS, "j-D", at(0, 1), "TIMEOUT"));                                        // 90000 s
        incident.add(opened(ORDERS, "Orders sync", "j-E", at(6, 0), "UPSTREAM_5XX"));
        incident.add(scheduled(ORDERS, "j-E", at(6, 0), "UPSTREAM_5XX"));                                   // open
        incident.add(opened(ORDERS, "Orders sync", "j-F", at(7, 1), "UPSTREAM_5XX"));                       // next week
        // Invoices: one auth error left open, one bad record resolved by hand; last week one resolved
        incident.add(opened(INVOICES, "Invoices", "j-G", at(1, 0), "AUTH"));
        incident.add(nonRetryable(INVOICES, "j-G", at(1, 0), "AUTH"));
        incident.add(opened(INVOICES, "Invoices", "j-H", at(2, 0), "DATA_VALIDATION"));
        incident.add(nonRetryable(INVOICES, "j-H", at(2, 0), "DATA_VALIDATION"));
        incident.add(resolved(INVOICES, "j-H", at(2, 1), "DATA_VALIDATION"));
        incident.add(opened(INVOICES, "Invoices", "j-P", at(-3, 0), "AUTH"));
        incident.add(resolved(INVOICES, "j-P", at(-3, 1), "AUTH"));
        // HR feed
        incident.add(opened(HR, "HR feed", "j-I", at(4, 0), "TIMEOUT"));
        incident.add(recovered(HR, "j-I", at(4, 0).plus(Duration.ofMinutes(5)), "TIMEOUT"));               // 300 s

        recipe.forEach(e -> suite.publish(Topics.Names.RECIPE_EVENTS, String.valueOf(e.recipeId()),
                EventCodec.encode(e)));
        incident.forEach(e -> suite.publish(Topics.Names.INCIDENT_EVENTS, e.incidentId(), EventCodec.encode(e)));
        int expected = recipe.size() + incident.size();
        await().atMost(Duration.ofSeconds(30)).until(() -> suite.db.queryForObject(
                "SELECT count(*) FROM logger.event_log WHERE workspace = ?", Integer.class, WS) >= expected);
    }

    @Test
    void theWeeksFiguresAreExactlyWhatHappened() {
        JsonNode r = report(T0, END);

        assertThat(r.get("from").asString()).isEqualTo(T0.toString());
        assertThat(totals(r.get("totals"))).isEqualTo(
                "succeeded 235, failed 11, opened 7, recovered 4, exhausted 1, non-retryable 2, resolved 1, "
                        + "still open 3, ttr 23175/90000");
        List<String> lines = new ArrayList<>();
        r.get("recipes").forEach(l -> lines.add(line(l)));
        assertThat(lines).containsExactly(
                "9001 Orders sync: succeeded 200, failed 8, opened 4, recovered 3, exhausted 1, non-retryable 0, "
                        + "resolved 0, still open 2, ttr 30800/90000 [UPSTREAM_5XX 3, TIMEOUT 1]",
                "9002 Invoices: succeeded 30, failed 0, opened 2, recovered 0, exhausted 0, non-retryable 2, "
                        + "resolved 1, still open 1, ttr null/null [AUTH 1, DATA_VALIDATION 1]",
                "9003 HR feed: succeeded 5, failed 3, opened 1, recovered 1, exhausted 0, non-retryable 0, "
                        + "resolved 0, still open 0, ttr 300/300 [TIMEOUT 1]");
        assertThat(categories(r.get("topCategories")))
                .isEqualTo("[UPSTREAM_5XX 3, TIMEOUT 2, AUTH 1, DATA_VALIDATION 1]");
        List<String> worse = new ArrayList<>();
        r.get("gotWorse").forEach(w -> worse.add(w.get("recipeId").asLong() + " failed "
                + w.get("jobsFailedBefore").asLong() + "->" + w.get("jobsFailed").asLong() + " opened "
                + w.get("incidentsOpenedBefore").asLong() + "->" + w.get("incidentsOpened").asLong() + " exhausted "
                + w.get("exhaustedBefore").asLong() + "->" + w.get("exhausted").asLong()));
        assertThat(worse).containsExactly("9001 failed 2->8 opened 1->4 exhausted 0->1",
                "9003 failed 0->3 opened 0->1 exhausted 0->0", "9002 failed 0->0 opened 1->2 exhausted 0->0");
    }

    @Test
    void thePreviousWeekIsItsOwnReport() {
        JsonNode r = report(T0.minus(Duration.ofDays(7)), T0);
        assertThat(totals(r.get("totals"))).isEqualTo(
                "succeeded 100, failed 2, opened 2, recovered 0, exhausted 0, non-retryable 0, resolved 1, "
                        + "still open 1, ttr null/null");
    }

    @Test
    void csvHasALinePerRecipeAndATotal() {
        Http.Response csv = Http.get(suite.url("logger") + "/api/reports.csv?workspace=" + WS + "&from=" + T0
                + "&to=" + END);
        assertThat(csv.status()).isEqualTo(200);
        assertThat(csv.contentType()).startsWith("text/csv");
        assertThat(csv.body().lines().toList()).containsExactly(
                "recipe_id,recipe_name,jobs_succeeded,jobs_failed,incidents_opened,recovered,exhausted,non_retryable,"
                        + "resolved_manually,still_open,mean_seconds_to_recovery,p95_seconds_to_recovery,top_category",
                "9001,Orders sync,200,8,4,3,1,0,0,2,30800,90000,UPSTREAM_5XX",
                "9002,Invoices,30,0,2,0,0,2,1,1,,,AUTH",
                "9003,HR feed,5,3,1,1,0,0,0,0,300,300,TIMEOUT",
                ",TOTAL,235,11,7,4,1,2,1,3,23175,90000,UPSTREAM_5XX");
        Http.Response json = Http.get(suite.url("logger") + "/api/reports?workspace=" + WS + "&from=" + T0
                + "&to=" + END);
        assertThat(json.contentType()).startsWith("application/json");
    }

    @Test
    void badPeriodsAreRefusedWithAProblem() {
        String base = suite.url("logger") + "/api/reports?workspace=" + WS;
        Http.Response backwards = Http.get(base + "&from=" + END + "&to=" + T0);
        assertThat(backwards.status()).isEqualTo(400);
        assertThat(backwards.json().get("detail").asString()).isEqualTo("to must be after from");
        assertThat(Http.get(base + "&from=" + T0 + "&to=" + T0.plus(Duration.ofDays(400))).json().get("detail")
                .asString()).isEqualTo("a report covers at most 366 days");
        assertThat(Http.get(base + "&from=yesterday&to=" + T0).status()).isEqualTo(400);
        assertThat(Http.get(base + "&to=" + T0).status()).isEqualTo(400);
        assertThat(Http.get(base + "&from=" + T0 + "&to=" + END + "&zone=Mars/Olympus").json().get("detail")
                .asString()).isEqualTo("zone is not a time zone: Mars/Olympus");
    }

    @Test
    void aScheduledReportIsSentOnceByTwoLoggersToSlackAndByEmail() throws Exception {
        String name = "weekly-" + UUID.randomUUID().toString().substring(0, 8);
        ReportProperties.Schedule weekly = new ReportProperties.Schedule(name, "0 0 0 * * MON-SUN", "UTC",
                Duration.ofDays(7));
        ConfigurableApplicationContext second = suite.start("logger-2", LoggerApplication::builder);
        try {
            ReportScheduler a = suite.services.get("logger").getBean(ReportScheduler.class);
            ReportScheduler b = second.getBean(ReportScheduler.class);
            // both see the schedule before the week ends: nothing to send yet
            assertThat(a.runIfDue(weekly, WS, END.minus(Duration.ofHours(1)))).isEmpty();
            assertThat(b.runIfDue(weekly, WS, END.minus(Duration.ofHours(1)))).isEmpty();

            // the week ends; both instances check at the same moment
            CountDownLatch go = new CountDownLatch(1);
            CompletableFuture<Optional<JobReport>> fromA = CompletableFuture.supplyAsync(() -> at(go, a, weekly));
            CompletableFuture<Optional<JobReport>> fromB = CompletableFuture.supplyAsync(() -> at(go, b, weekly));
            go.countDown();
            List<Optional<JobReport>> results = List.of(fromA.get(), fromB.get());
            assertThat(results.stream().filter(Optional::isPresent).count()).isEqualTo(1);
            JobReport sent = results.stream().flatMap(Optional::stream).findFirst().orElseThrow();
            assertThat(sent.from()).isEqualTo(T0);
            assertThat(sent.to()).isEqualTo(END);
            assertThat(sent.totals().incidentsOpened()).isEqualTo(7);
            // later checks in the same period send nothing more
            assertThat(a.runIfDue(weekly, WS, END.plus(Duration.ofHours(2)))).isEmpty();
            assertThat(b.runIfDue(weekly, WS, END.plus(Duration.ofDays(1)).minusSeconds(1))).isEmpty();
        } finally {
            suite.stop("logger-2");
        }
        assertThat(suite.db.queryForObject("SELECT count(*) FROM logger.report_run WHERE schedule = ?",
                Integer.class, name)).isEqualTo(1);

        String title = "AOF job report (" + name + ")";
        await().atMost(Duration.ofSeconds(30)).until(() -> sim.slackTexts(AofSuite.OPS_CHANNEL).stream()
                .anyMatch(t -> t.contains(title)));
        await().atMost(Duration.ofSeconds(30)).until(() -> mailsWithSubjectContaining(name).size() == 1);
        Thread.sleep(1000);   // a second copy, if one were coming, would have arrived by now
        assertThat(sim.slackTexts(AofSuite.OPS_CHANNEL).stream().filter(t -> t.contains(title)).count()).isEqualTo(1);
        List<JsonNode> mails = mailsWithSubjectContaining(name);
        assertThat(mails).hasSize(1);
        assertThat(mails.get(0).get("subject").asString()).endsWith(": 7 incident(s), 4 recovered, 3 still open");
        assertThat(mails.get(0).get("text").asString()).contains("Incidents opened:        7");
        assertThat(mails.get(0).get("html").asString()).contains("<th align=\"left\">Still open</th><td>3</td>");
        // the central log ingests the request asynchronously, and logger-2 leaving its consumer group above
        // rebalances the partitions: wait for the row instead of expecting it already there
        String logged = "SELECT count(*) FROM logger.event_log WHERE event_type = 'NotificationRequested' "
                + "AND payload->>'dedupKey' LIKE ?";
        String key = "report:" + WS + ":" + name + ":%";
        await().atMost(Duration.ofSeconds(60)).until(() -> suite.db.queryForObject(logged, Integer.class, key) >= 1);
        assertThat(suite.db.queryForObject(logged, Integer.class, key)).isEqualTo(1);
    }

    private static Optional<JobReport> at(CountDownLatch go, ReportScheduler s, ReportProperties.Schedule weekly) {
        try {
            go.await();
        } catch (InterruptedException e) {
            throw new IllegalStateException(e);
        }
        return s.runIfDue(weekly, WS, END.plusSeconds(5));
    }

    private static List<JsonNode> mailsWithSubjectContaining(String s) {
        return sim.mails(AofSuite.REPORT_MAIL).stream().filter(m -> m.get("subject").asString().contains(s)).toList();
    }

    private static JsonNode report(Instant from, Instant to) {
        return Http.getJson(suite.url("logger") + "/api/reports?workspace=" + WS + "&zone=UTC&from=" + from
                + "&to=" + to);
    }

    private static String totals(JsonNode t) {
        return "succeeded " + t.get("jobsSucceeded").asLong() + ", failed " + t.get("jobsFailed").asLong()
                + ", opened " + t.get("incidentsOpened").asLong() + ", recovered " + t.get("recovered").asLong()
                + ", exhausted " + t.get("exhausted").asLong() + ", non-retryable " + t.get("nonRetryable").asLong()
                + ", resolved " + t.get("resolvedManually").asLong() + ", still open " + t.get("stillOpen").asLong()
                + ", ttr " + t.get("meanSecondsToRecovery") + "/" + t.get("p95SecondsToRecovery");
    }

    private static String line(JsonNode l) {
        return l.get("recipeId").asLong() + " " + l.get("recipeName").asString() + ": " + totals(l) + " "
                + categories(l.get("topCategories"));
    }

    private static String categories(JsonNode cs) {
        List<String> out = new ArrayList<>();
        cs.forEach(c -> out.add(c.get("category").asString() + " " + c.get("incidents").asLong()));
        return out.toString();
    }

    private static Instant at(int days, int hours) {
        return T0.plus(Duration.ofDays(days)).plus(Duration.ofHours(hours));
    }

    private static String incidentId(long recipe, String job) {
        return WS + ":" + recipe + ":" + job;
    }

    private static RecipeStatsSnapshot snapshot(long recipe, String name, Instant at, long succeeded, long failed) {
        return new RecipeStatsSnapshot(UUID.randomUUID(), at, AofEvent.SCHEMA_VERSION, WS, recipe, null, null, null,
                name, 1L, true, succeeded, failed, at, at);
    }

    private static IncidentEvent opened(long recipe, String name, String job, Instant at, String category) {
        return new IncidentEvent.IncidentOpened(UUID.randomUUID(), at, AofEvent.SCHEMA_VERSION, WS, recipe, job,
                incidentId(recipe, job), null, IncidentState.OPEN, Category.valueOf(category), name, "error", 5, null);
    }

    private static IncidentEvent scheduled(long recipe, String job, Instant at, String category) {
        return new IncidentEvent.RetryScheduled(UUID.randomUUID(), at.plusMillis(1), AofEvent.SCHEMA_VERSION, WS,
                recipe, job, incidentId(recipe, job), 1, IncidentState.RETRY_SCHEDULED, Category.valueOf(category),
                at.plus(Duration.ofMinutes(5)), 5);
    }

    private static IncidentEvent recovered(long recipe, String job, Instant at, String category) {
        return new IncidentEvent.IncidentRecovered(UUID.randomUUID(), at, AofEvent.SCHEMA_VERSION, WS, recipe, job,
                incidentId(recipe, job), 1, IncidentState.RECOVERED, Category.valueOf(category), "r-" + job);
    }

    private static IncidentEvent exhausted(long recipe, String job, Instant at, String category) {
        return new IncidentEvent.RetriesExhausted(UUID.randomUUID(), at, AofEvent.SCHEMA_VERSION, WS, recipe, job,
                incidentId(recipe, job), 5, IncidentState.EXHAUSTED, Category.valueOf(category), "FAILED", "still failing");
    }

    private static IncidentEvent nonRetryable(long recipe, String job, Instant at, String category) {
        return new IncidentEvent.IncidentNonRetryable(UUID.randomUUID(), at.plusMillis(1), AofEvent.SCHEMA_VERSION,
                WS, recipe, job, incidentId(recipe, job), null, IncidentState.NON_RETRYABLE, Category.valueOf(category), "refused");
    }

    private static IncidentEvent resolved(long recipe, String job, Instant at, String category) {
        return new IncidentEvent.ResolvedManually(UUID.randomUUID(), at, AofEvent.SCHEMA_VERSION, WS, recipe, job,
                incidentId(recipe, job), null, IncidentState.MANUALLY_RESOLVED, Category.valueOf(category),
                IncidentState.NON_RETRYABLE, "ann", "fixed the record");
    }
}
