package io.aof.collation;

import io.aof.collation.poll.FailedJobPoller;
import io.aof.collation.poll.FailedJobPollerTest;
import io.aof.collation.poll.RecipeCursorRepository;
import io.aof.collation.triage.CollectedJobStore;
import io.aof.collation.triage.FailureCollector;
import io.aof.collation.triage.FailureTriage;
import io.aof.collation.webhook.WebhookController;
import io.aof.collation.webhook.WebhookPendingStore;
import io.aof.collation.webhook.WebhookVerifier;
import io.aof.collation.webhook.WebhookVerifierTest;
import io.aof.common.events.EventCodec;
import io.aof.common.events.JobFailed;
import io.aof.common.events.Topics;
import io.aof.common.messaging.AofProperties;
import io.aof.common.messaging.Outbox;
import io.aof.common.text.ExternalText;
import io.aof.common.workato.WorkatoClient;
import io.aof.common.workato.WorkatoProperties;
import io.aof.simulator.Behaviour;
import io.aof.simulator.CallCounter;
import io.aof.simulator.Outage;
import io.aof.simulator.WorkatoSimulatorApplication;
import io.aof.simulator.Workspace;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import jakarta.validation.Validation;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.http.ResponseEntity;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.mock.web.MockHttpServletRequest;
import org.springframework.transaction.support.TransactionTemplate;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Collation against a real HTTP stand-in for Workato's API (the simulator) and a
 * real PostgreSQL (its own migrations, emptied for each test): the poller, the
 * webhook intake and its verifier built as plain objects on those, no mocks.
 * The poller's and the verifier's state machines case by case, with the clock
 * moved by hand instead of jobs running in real time: {@link FailedJobPollerTest},
 * {@link WebhookVerifierTest}.
 */
public class CollationAgainstSimulatorTest {

    static final String TOKEN = "collation-test-token";
    static final String WEBHOOK_TOKEN = "collation-webhook-token";
    static ConfigurableApplicationContext simulator;
    static Workspace workspace;
    static String simUrl;

    JdbcTemplate jdbc;
    TransactionTemplate tx;
    MeterRegistry meters;
    WorkatoClient workato;

    @BeforeAll
    static void startSimulator() {
        simulator = WorkatoSimulatorApplication.builder().run("--server.port=0", "--sim.api-token=" + TOKEN,
                "--sim.reads-per-minute=0", "--sim.job-duration=30ms", "--sim.jobs-page-size=3",
                "--spring.main.register-shutdown-hook=false");
        workspace = simulator.getBean(Workspace.class);
        simUrl = "http://localhost:" + simulator.getEnvironment().getProperty("local.server.port");
    }

    @AfterAll
    static void stopSimulator() {
        simulator.close();
    }

    @BeforeEach
    void schema() {
        javax.sql.DataSource ds = PlainCollation.emptySchema();
        jdbc = new JdbcTemplate(ds);
        tx = new TransactionTemplate(new DataSourceTransactionManager(ds));
        meters = new SimpleMeterRegistry();
        workato = new WorkatoClient(new Binder(new MapConfigurationPropertySource(Map.of(
                "aof.workato.base-url", simUrl + "/api", "aof.workato.api-token", TOKEN,
                "aof.workato.resilience.reads-per-minute", "60000", "aof.workato.resilience.read-attempts", "1")))
                .bindOrCreate("aof.workato", WorkatoProperties.class), meters);
    }

    // ---- wiring ------------------------------------------------------------------------------------------------

    record Collation(FailedJobPoller poller, WebhookController webhook, WebhookVerifier verifier) {
    }

    Collation collation(Map<String, String> settings) {
        return collation(settings, workato);
    }

    Collation collation(Map<String, String> settings, WorkatoClient workato) {
        Map<String, String> p = new HashMap<>(Map.of("aof.workspace", "t",
                "aof.collation.webhook.token", WEBHOOK_TOKEN, "aof.collation.webhook.verify-delay", "0s"));
        p.putAll(settings);
        Binder binder = new Binder(new MapConfigurationPropertySource(p));
        CollationProperties props = binder.bindOrCreate("aof.collation", CollationProperties.class);
        AofProperties aof = binder.bindOrCreate("aof", AofProperties.class);
        Outbox outbox = new Outbox(jdbc, "collation-service");
        CollectedJobStore collected = new CollectedJobStore(jdbc);
        RecipeCursorRepository cursors = new RecipeCursorRepository(jdbc);
        WebhookPendingStore pending = new WebhookPendingStore(jdbc);
        FailureCollector collector = new FailureCollector(collected, outbox, meters);
        // the simulator's jobs run on the real clock: so does collation here
        java.time.Clock clock = java.time.Clock.systemUTC();
        FailureTriage triage = new FailureTriage(workato, collector, cursors, aof, props, clock);
        return new Collation(new FailedJobPoller(workato, triage, outbox, cursors, collected, tx, props, aof, meters,
                clock),
                new WebhookController(collector, tx, pending,
                        Validation.buildDefaultValidatorFactory().getValidator(), props, aof, meters, clock),
                new WebhookVerifier(workato, triage, pending, tx, props, meters, outbox, aof, clock));
    }

    static Map<String, String> watching(long... recipes) {
        Map<String, String> p = new HashMap<>();
        for (int i = 0; i < recipes.length; i++) {
            p.put("aof.collation.watch.recipe-ids[" + i + "]", String.valueOf(recipes[i]));
        }
        return p;
    }

    public static long recipe(String name, Behaviour behaviour) {
        return ((Number) workspace.addRecipe(name + " " + UUID.randomUUID(), null, behaviour).get("id")).longValue();
    }

    static List<String> run(long recipe, int count, boolean test) {
        List<String> ids = workspace.trigger(recipe, count, test);
        ids.forEach(CollationAgainstSimulatorTest::awaitFinished);
        return ids;
    }

    static void awaitFinished(String jobId) {
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(10))
                .until(() -> !"pending".equals(workspace.job(jobId).orElseThrow().get("status")));
    }

    static String status(String jobId) {
        return (String) workspace.job(jobId).orElseThrow().get("status");
    }

    /** The JobFailed events collation put in its outbox, in order. */
    List<JobFailed> published() {
        return jdbc.queryForList("SELECT payload FROM outbox WHERE topic = ? ORDER BY id", String.class,
                Topics.JOB_FAILURES.name()).stream().map(p -> EventCodec.decode(Topics.JOB_FAILURES, p)).toList();
    }

    List<String> publishedJobIds() {
        return published().stream().map(JobFailed::jobId).toList();
    }

    double counter(String name, String... tags) {
        var c = meters.find(name).tags(tags).counter();
        return c == null ? 0 : c.count();
    }

    static MockHttpServletRequest webhookRequest(byte[] body) {
        MockHttpServletRequest r = new MockHttpServletRequest("POST", "/api/webhooks/job-failures");
        r.setContentType("application/json");
        r.addHeader("Authorization", "Bearer " + WEBHOOK_TOKEN);
        r.setRemoteAddr("10.0.0." + (1 + new java.util.Random().nextInt(200)));
        r.setContent(body);
        return r;
    }

    static MockHttpServletRequest webhookRequest(String json) {
        return webhookRequest(json.getBytes(StandardCharsets.UTF_8));
    }

    static String webhookBody(long recipe, String jobId, String masterJobId, String errorJson) {
        return "{\"recipe_id\": " + recipe + ", \"job_id\": \"" + jobId + "\""
                + (masterJobId == null ? "" : ", \"master_job_id\": \"" + masterJobId + "\"")
                + ", \"error\": " + errorJson + "}";
    }

    // ---- items 1 and 2: text from outside is cleaned and capped where it enters ---------------------------------

    @Test
    void aPolledErrorOf2_6MBIsCappedAndTheOtherRecipesFailuresAreCollectedToo() throws Exception {
        long huge = recipe("Huge error", new Behaviour(Behaviour.Kind.ALWAYS_FAIL, null, null,
                "502 Bad Gateway: <html>", null, 502, 2_600_000));
        long plain = recipe("Plain error", Behaviour.alwaysFail("500 boom\u0000 with a NUL", null, 500));
        String hugeJob = run(huge, 1, false).get(0);
        String plainJob = run(plain, 1, false).get(0);

        collation(watching(huge, plain)).poller().sweep();

        Map<String, JobFailed> byJob = new HashMap<>();
        published().forEach(f -> byJob.put(f.jobId(), f));
        assertThat(byJob).containsOnlyKeys(hugeJob, plainJob);
        assertThat(byJob.get(hugeJob).error()).hasSizeLessThanOrEqualTo(ExternalText.ERROR_MAX_CHARS)
                .startsWith("502 Bad Gateway: <html>").contains("cut by AOF: 2600000 characters");
        assertThat(byJob.get(plainJob).error()).isEqualTo("500 boom with a NUL");
        // far below Kafka's 1 MB default record size: the outbox can send it
        assertThat(jdbc.queryForObject("SELECT max(octet_length(payload)) FROM outbox", Integer.class))
                .isLessThan(64 * 1024);
    }

    @Test
    void aNulInAWebhookErrorIsRemovedAndTheFailureIsPublishedAfterVerification() throws Exception {
        long recipe = recipe("Webhook NUL", Behaviour.alwaysFail("500 boom", null, 500));
        String job = run(recipe, 1, false).get(0);
        Collation c = collation(Map.of());

        ResponseEntity<?> answer = c.webhook().receive(webhookRequest(webhookBody(recipe, job, null,
                "\"x\\u0000\"")));
        assertThat(answer.getStatusCode().value()).isEqualTo(202);
        c.verifier().verifyDue();

        assertThat(published()).singleElement().satisfies(f -> {
            assertThat(f.jobId()).isEqualTo(job);
            assertThat(f.error()).isEqualTo("x");
            assertThat(f.webhookSource()).isEqualTo("default");   // the legacy token's source
        });
        assertThat(jdbc.queryForObject("SELECT count(*) FROM outbox WHERE payload LIKE '%\\u0000%'",
                Integer.class)).isZero();
    }

    @Test
    void aWebhookFailureCarriesTheNameOfTheSourceWhoseCredentialSentItAndAPolledOneNone() throws Exception {
        long pushed = recipe("Webhook of team b", Behaviour.alwaysFail("500 boom", null, 500));
        long polled = recipe("Polled", Behaviour.alwaysFail("500 boom", null, 500));
        String pushedJob = run(pushed, 1, false).get(0);
        String polledJob = run(polled, 1, false).get(0);
        Map<String, String> settings = watching(polled);
        settings.put("aof.collation.webhook.sources[0].name", "team-b");
        settings.put("aof.collation.webhook.sources[0].tokens[0]", "team-b-token");
        Collation c = collation(settings);

        MockHttpServletRequest request = webhookRequest(webhookBody(pushed, pushedJob, null, "\"500 boom\""));
        request.removeHeader("Authorization");
        request.addHeader("Authorization", "Bearer team-b-token");
        ResponseEntity<?> answer = c.webhook().receive(request);
        assertThat(answer.getStatusCode().value()).isEqualTo(202);
        assertThat(((WebhookController.Answer) answer.getBody()).source()).isEqualTo("team-b");
        c.verifier().verifyDue();
        c.poller().sweep();

        Map<String, JobFailed> byJob = new HashMap<>();
        published().forEach(f -> byJob.put(f.jobId(), f));
        assertThat(byJob).containsOnlyKeys(pushedJob, polledJob);
        assertThat(byJob.get(pushedJob).webhookSource()).isEqualTo("team-b");
        assertThat(byJob.get(polledJob).webhookSource()).isNull();
        assertThat(counter("aof.webhook.requests", "outcome", "accepted", "source", "team-b")).isEqualTo(1);
    }

    @Test
    void aWebhookBodyThatIsNotUtf8OrNestedTooDeepIsA400() throws Exception {
        Collation c = collation(Map.of());
        byte[] latin1 = webhookBody(1, "j-a", null, "\"caf\u00e9\"").getBytes(StandardCharsets.ISO_8859_1);
        ResponseEntity<?> notUtf8 = c.webhook().receive(webhookRequest(latin1));
        ResponseEntity<?> deep = c.webhook().receive(webhookRequest("{\"recipe_id\": 1, \"job_id\": \"j-a\", "
                + "\"error\": \"x\", \"extra\": " + "[".repeat(40) + "]".repeat(40) + "}"));

        assertThat(notUtf8.getStatusCode().value()).isEqualTo(400);
        assertThat(((org.springframework.http.ProblemDetail) notUtf8.getBody()).getTitle())
                .isEqualTo("Invalid encoding");
        assertThat(deep.getStatusCode().value()).isEqualTo(400);
        assertThat(jdbc.queryForObject("SELECT count(*) FROM webhook_pending", Integer.class)).isZero();
    }

    // ---- item 4: the page cap never skips failures ---------------------------------------------------------------

    @Test
    void aSweepThatReachesItsPageCapContinuesFromWhereItStoppedUntilTheGapIsClosed() throws Exception {
        long recipe = recipe("Storm", Behaviour.alwaysFail("503 Service Unavailable", null, 503));
        // one page of 3 jobs a sweep
        Collation c = collation(new HashMap<>(Map.of("aof.collation.max-pages-per-recipe", "1",
                "aof.collation.watch.recipe-ids[0]", String.valueOf(recipe))));
        List<String> first = run(recipe, 1, false);
        c.poller().sweep();
        assertThat(publishedJobIds()).containsExactlyElementsOf(first);

        List<String> storm = run(recipe, 10, false);   // AOF was away: 10 failures, 3 read a sweep
        c.poller().sweep();
        assertThat(publishedJobIds()).hasSize(4);
        assertThat(counter("aof.collation.page.cap.reached")).isEqualTo(1);
        assertThat(meters.get("aof.collation.failures.behind").gauge().value()).isEqualTo(7);

        List<String> meanwhile = run(recipe, 2, false);   // new failures while the gap is read
        for (int i = 0; i < 8; i++) {
            c.poller().sweep();
        }
        assertThat(publishedJobIds()).doesNotHaveDuplicates()
                .containsExactlyInAnyOrderElementsOf(concat(first, storm, meanwhile));
        assertThat(meters.get("aof.collation.failures.behind").gauge().value()).isZero();
    }

    @Test
    void aStormInOneRecipeSpendsAtMostItsDetailCapASweepAndTheOtherRecipesFailureIsCollectedInTheSameSweep()
            throws Exception {
        long stormy = recipe("Detail storm", Behaviour.alwaysFail("503 Service Unavailable", null, 503));
        long quiet = recipe("Quiet neighbour", Behaviour.alwaysFail("500 boom", null, 500));
        Collation c = collation(new HashMap<>(Map.of("aof.collation.max-detail-reads-per-recipe", "2",
                "aof.collation.watch.recipe-ids[0]", String.valueOf(stormy),
                "aof.collation.watch.recipe-ids[1]", String.valueOf(quiet))));
        c.poller().sweep();   // both known, nothing failed yet
        List<String> storm = run(stormy, 7, false);
        List<String> other = run(quiet, 1, false);

        c.poller().sweep();

        assertThat(publishedJobIds()).containsAll(other)
                .filteredOn(storm::contains).hasSize(2);   // two detail reads in the storm, the rest waits
        assertThat(counter("aof.collation.detail.cap.reached")).isEqualTo(1);
        for (int i = 0; i < 4; i++) {
            c.poller().sweep();
        }
        assertThat(publishedJobIds()).doesNotHaveDuplicates()
                .containsExactlyInAnyOrderElementsOf(concat(storm, other));
        assertThat(meters.get("aof.collation.failures.behind").gauge().value()).isZero();
    }

    @Test
    void aSweepStoppedInARecipeStartsTheNextSweepWithTheRecipesAfterItSoTheyAreNotStarved() throws Exception {
        long later = recipe("Turn: listed second", Behaviour.alwaysFail("500 boom", null, 500));
        long first = recipe("Turn: listed first", Behaviour.alwaysFail("503 Service Unavailable", null, 503));
        String firstJob = run(first, 1, false).get(0);
        String laterJob = run(later, 1, false).get(0);
        WorkatoClient impatient = new WorkatoClient(new Binder(new MapConfigurationPropertySource(Map.of(
                "aof.workato.base-url", simUrl + "/api", "aof.workato.api-token", TOKEN,
                "aof.workato.request-timeout", "300ms", "aof.workato.resilience.reads-per-minute", "60000",
                "aof.workato.resilience.read-attempts", "1")))
                .bindOrCreate("aof.workato", WorkatoProperties.class), meters);
        Collation c = collation(watching(first, later), impatient);
        // the first recipe's job detail does not come back in time: the sweep stops there, the other is not reached
        simulator.getBean(io.aof.simulator.Slowdown.class).set("get_job", 2000, 1);
        int firstSweep = callLog().size();
        c.poller().sweep();

        assertThat(publishedJobIds()).isEmpty();
        assertThat(jobListsIn(firstSweep)).containsExactly(first);

        Thread.sleep(2000);   // the slowed call has ended (it is logged when it is answered)
        int secondSweep = callLog().size();
        c.poller().sweep();

        assertThat(jobListsIn(secondSweep)).containsExactly(later, first);
        assertThat(publishedJobIds()).containsExactlyInAnyOrder(firstJob, laterJob);
    }

    static List<Map<String, Object>> callLog() {
        return simulator.getBean(CallCounter.class).log(0, Integer.MAX_VALUE);
    }

    /** The recipes whose jobs were listed from call {@code from} on, in the order they were first listed. */
    static List<Long> jobListsIn(int from) {
        return callLog().stream().skip(from).filter(m -> "list_jobs".equals(m.get("endpoint")))
                .map(m -> ((Number) m.get("recipe_id")).longValue()).distinct().toList();
    }

    @SafeVarargs
    static List<String> concat(List<String>... lists) {
        return java.util.Arrays.stream(lists).flatMap(List::stream).toList();
    }

    // ---- item 7: a webhook can only make AOF repeat a job that failed in that recipe ---------------------------

    @Test
    void aWebhookNamingASucceededJobIsRefusedAndOneNamingAFailedJobIsPublished() throws Exception {
        long healthy = recipe("Payments", Behaviour.healthy());
        long failing = recipe("Orders", Behaviour.alwaysFail("500 boom", null, 500));
        String succeeded = run(healthy, 1, false).get(0);
        String failed = run(failing, 1, false).get(0);
        String otherFailed = run(failing, 1, false).get(0);
        String thirdFailed = run(failing, 1, false).get(0);
        Collation c = collation(Map.of());

        for (String body : List.of(
                webhookBody(healthy, succeeded, null, "\"500 boom\""),            // a succeeded job (a payment)
                webhookBody(failing, failed, null, "\"500 boom\""),               // a real failure
                webhookBody(failing, otherFailed, succeeded, "\"500 boom\""),     // a failed job, a forged master
                webhookBody(healthy, "j-nosuchjob", null, "\"500 boom\""),        // no such job
                webhookBody(healthy, thirdFailed, null, "\"500 boom\""))) {       // a job of another recipe
            assertThat(c.webhook().receive(webhookRequest(body)).getStatusCode().value()).isEqualTo(202);
        }
        c.verifier().verifyDue();

        assertThat(publishedJobIds()).containsExactly(failed);
        assertThat(jdbc.queryForMap("SELECT state, reason FROM webhook_pending WHERE job_id = ?", succeeded))
                .containsEntry("state", "REFUSED").containsEntry("reason", "succeeded");
        assertThat(counter("aof.webhook.refused", "reason", "succeeded")).isEqualTo(1);
        assertThat(counter("aof.webhook.refused", "reason", "master_mismatch")).isEqualTo(1);
        // an unknown job and a job of another recipe: Workato answers 404 for a job not in the recipe named
        assertThat(counter("aof.webhook.refused", "reason", "not_found")).isEqualTo(2);
        assertThat(jdbc.queryForObject("SELECT count(*) FROM webhook_pending WHERE state = 'PENDING'",
                Integer.class)).isZero();
    }

    @Test
    void aWebhookForARepeatThatNamesNoMasterJoinsTheMastersIncident() throws Exception {
        long failing = recipe("Repeated orders", Behaviour.alwaysFail("500 boom", null, 500));
        String original = run(failing, 1, false).get(0);
        workspace.repeat(failing, List.of(original));
        @SuppressWarnings("unchecked")
        String repeat = ((List<Map<String, Object>>) workspace.listJobs(failing, null, null, false, true, 10)
                .get("items")).get(0).get("id").toString();
        awaitFinished(repeat);
        Collation c = collation(Map.of());

        c.webhook().receive(webhookRequest(webhookBody(failing, repeat, null, "\"500 boom\"")));
        c.verifier().verifyDue();

        assertThat(published()).singleElement().satisfies(f -> {
            assertThat(f.jobId()).isEqualTo(repeat);
            assertThat(f.masterJobId()).isEqualTo(original);
            assertThat(f.incidentId()).isEqualTo("t:" + failing + ":" + original);
        });
    }

    @Test
    void aWebhookFailureWaitsWhileWorkatoCannotBeReadAndIsPublishedOnceItCan() throws Exception {
        long failing = recipe("Outage orders", Behaviour.alwaysFail("500 boom", null, 500));
        String failed = run(failing, 1, false).get(0);
        Collation c = collation(Map.of());
        Outage outage = simulator.getBean(Outage.class);

        outage.start(503, 60);
        try {
            assertThat(c.webhook().receive(webhookRequest(webhookBody(failing, failed, null, "\"500 boom\"")))
                    .getStatusCode().value()).isEqualTo(202);
            c.verifier().verifyDue();
            assertThat(published()).isEmpty();
            assertThat(jdbc.queryForObject("SELECT state FROM webhook_pending WHERE job_id = ?", String.class,
                    failed)).isEqualTo("PENDING");
        } finally {
            outage.end();
        }
        // asked again after verify-delay (at least a second) while Workato could not be read
        await().atMost(Duration.ofSeconds(30)).until(() -> c.verifier().verifyDue() > 0);
        assertThat(publishedJobIds()).containsExactly(failed);
    }

    @Test
    void webhookFailuresWorkatoNeverAnsweredForWithinTheTimeoutArePublishedNotRepeatedWithOneAlertPerBurst()
            throws Exception {
        long recipe = recipe("Never readable", Behaviour.alwaysFail("500 boom", null, 500));
        List<String> jobs = run(recipe, 4, false);
        java.time.Instant hour = java.time.Instant.parse("2026-11-27T16:00:00Z");
        Collation c = collation(Map.of("aof.collation.webhook.verify-timeout", "1h"));
        assertThat(c.webhook().receive(webhookRequest(webhookBody(recipe, jobs.get(0), null, "\"500 boom\"")))
                .getStatusCode().value()).isEqualTo(202);
        // a webhook naming a master: never verified, so it must not join (or open) that master's incident
        assertThat(c.webhook().receive(webhookRequest(webhookBody(recipe, jobs.get(1), "j-claimed-master",
                "\"500 boom\""))).getStatusCode().value()).isEqualTo(202);
        // Workato could not be read for longer than the timeout (the clock of the database moves the rows back)
        jdbc.update("UPDATE webhook_pending SET received_at = now() - interval '2 hours', reason = 'workato: "
                + "UNREACHABLE'");

        c.verifier().verifyDue(hour.plusSeconds(60));

        assertThat(published()).hasSize(2).allSatisfy(f -> {
            assertThat(f.notRepeatable()).startsWith("could not be verified with Workato within PT1H: not repeated");
            assertThat(f.masterJobId()).isNull();
            assertThat(f.incidentId()).isEqualTo("t:" + recipe + ":" + f.jobId());
        });
        assertThat(publishedJobIds()).containsExactlyInAnyOrder(jobs.get(0), jobs.get(1));
        assertThat(jdbc.queryForList("SELECT DISTINCT state FROM webhook_pending", String.class))
                .containsExactly("UNVERIFIED");
        assertThat(counter("aof.webhook.unverified.published")).isEqualTo(2);
        assertThat(counter("aof.collation.called.jobs", "source", "WEBHOOK", "outcome", "not_repeatable")).isZero();
        assertThat(meters.find("aof.webhook.refused").counters()).allSatisfy(r -> assertThat(r.count()).isZero());

        assertThat(alerts()).singleElement().satisfies(a -> {
            assertThat(a.kind()).isEqualTo(io.aof.common.events.NotificationRequested.Kind.AOF_TROUBLE);
            assertThat(a.error()).contains(jobs.get(0));
        });

        // the same burst goes on (Workato still unreadable) in the same period: published, asked again under the
        // same dedup key, which the notifier sends once per destination: no second alert
        assertThat(c.webhook().receive(webhookRequest(webhookBody(recipe, jobs.get(2), null, "\"500 boom\"")))
                .getStatusCode().value()).isEqualTo(202);
        jdbc.update("UPDATE webhook_pending SET received_at = now() - interval '2 hours' WHERE state = 'PENDING'");
        c.verifier().verifyDue(hour.plus(Duration.ofMinutes(59)));

        assertThat(publishedJobIds()).containsExactlyInAnyOrderElementsOf(jobs.subList(0, 3));
        assertThat(alerts()).hasSize(2).extracting(io.aof.common.events.NotificationRequested::dedupKey)
                .containsOnly(alerts().get(0).dedupKey());

        // the next period: a new alert
        assertThat(c.webhook().receive(webhookRequest(webhookBody(recipe, jobs.get(3), null, "\"500 boom\"")))
                .getStatusCode().value()).isEqualTo(202);
        jdbc.update("UPDATE webhook_pending SET received_at = now() - interval '2 hours' WHERE state = 'PENDING'");
        c.verifier().verifyDue(hour.plus(Duration.ofMinutes(61)));

        assertThat(publishedJobIds()).containsExactlyInAnyOrderElementsOf(jobs);
        List<String> keys = alerts().stream().map(io.aof.common.events.NotificationRequested::dedupKey).toList();
        assertThat(keys).hasSize(3);
        assertThat(keys.get(2)).isNotEqualTo(keys.get(0));
    }

    /** The notification requests collation put in its outbox, in order. */
    List<io.aof.common.events.NotificationRequested> alerts() {
        return jdbc.queryForList("SELECT payload FROM outbox WHERE topic = ? ORDER BY id", String.class,
                Topics.NOTIFICATION_REQUESTS.name()).stream()
                .map(p -> EventCodec.decode(Topics.NOTIFICATION_REQUESTS, p)).toList();
    }

    @Test
    void aWebhookFailureThatAPollCollectsIsVerifiedWithoutARead() throws Exception {
        long failing = recipe("Polled and pushed", Behaviour.alwaysFail("500 boom", null, 500));
        String failed = run(failing, 1, false).get(0);
        Collation c = collation(new HashMap<>(Map.of("aof.collation.webhook.verify-delay", "1h",
                "aof.collation.webhook.verify-timeout", "2h", "aof.collation.watch.recipe-ids[0]",
                String.valueOf(failing))));
        assertThat(c.webhook().receive(webhookRequest(webhookBody(failing, failed, null, "\"500 boom\"")))
                .getStatusCode().value()).isEqualTo(202);
        c.poller().sweep();
        assertThat(jobReads(failed)).isEqualTo(1);   // the poll's own detail read (is it a test job?)
        c.verifier().verifyDue();

        assertThat(jobReads(failed)).isEqualTo(1);   // the verifier read nothing
        assertThat(publishedJobIds()).containsExactly(failed);
        assertThat(jdbc.queryForObject("SELECT state FROM webhook_pending WHERE job_id = ?", String.class, failed))
                .isEqualTo("VERIFIED");
        assertThat(counter("aof.webhook.verified", "by", "poll")).isEqualTo(1);
        assertThat(counter("aof.webhook.verified", "by", "read")).isZero();
    }

    @Test
    void aJobVerifiedThroughTheWebhookIsNotReadAgainByThePoll() throws Exception {
        long failing = recipe("Pushed then polled", Behaviour.alwaysFail("500 boom", null, 500));
        String failed = run(failing, 1, false).get(0);
        Collation c = collation(watching(failing));
        assertThat(c.webhook().receive(webhookRequest(webhookBody(failing, failed, null, "\"500 boom\"")))
                .getStatusCode().value()).isEqualTo(202);
        c.verifier().verifyDue();
        assertThat(jobReads(failed)).isEqualTo(1);

        c.poller().sweep();

        assertThat(jobReads(failed)).isEqualTo(1);   // collected already: the poll spends no read on it
        assertThat(publishedJobIds()).containsExactly(failed);
        assertThat(counter("aof.collation.duplicates", "source", "POLL")).isEqualTo(1);
    }

    /** The {@code get_job} calls the simulator answered for {@code jobId} (its call log). */
    static long jobReads(String jobId) {
        return callLog().stream()
                .filter(m -> "get_job".equals(m.get("endpoint")) && ((List<?>) m.get("job_ids")).contains(jobId))
                .count();
    }

    // ---- item 8: a called job is never repeated on its own ------------------------------------------------------

    @Test
    void aFailedCalledJobIsLinkedToItsFailedRootAndOnlyTheRootIsPublished() throws Exception {
        long caller = recipe("Order flow", Behaviour.healthy());
        long called = recipe("Charge card (function)", Behaviour.alwaysFail("402 Payment Required", null, 402));
        workspace.setCalls(caller, called, true);
        String root = run(caller, 1, false).get(0);
        String childJob = childOf(called, root);
        assertThat(status(root)).isEqualTo("failed");
        assertThat(status(childJob)).isEqualTo("failed");

        collation(watching(caller, called)).poller().sweep();

        assertThat(published()).singleElement().satisfies(f -> {
            assertThat(f.jobId()).isEqualTo(root);
            assertThat(f.incidentId()).isEqualTo("t:" + caller + ":" + root);
            assertThat(f.notRepeatable()).isNull();
        });
        assertThat(jdbc.queryForMap("SELECT disposition, incident_id FROM collected_job WHERE job_id = ?",
                childJob)).containsEntry("disposition", "LINKED")
                .containsEntry("incident_id", "t:" + caller + ":" + root);
        assertThat(counter("aof.collation.called.jobs", "source", "POLL", "outcome", "linked")).isEqualTo(1);
        // the root is read once in the sweep, as the caller recipe's own failed job or as the child's root
        assertThat(jobReads(root)).isEqualTo(1);
    }

    @Test
    void aRootReadAsItsRecipesOwnFailedJobIsNotReadAgainForItsCalledJobInTheSameSweep() throws Exception {
        // created second, listed first (the simulator lists newest first): the caller is polled before the called
        long called = recipe("Reserve stock (function)", Behaviour.alwaysFail("409 Conflict", null, 409));
        long caller = recipe("Stock flow", Behaviour.healthy());
        workspace.setCalls(caller, called, true);
        String root = run(caller, 1, false).get(0);
        String childJob = childOf(called, root);
        assertThat(status(root)).isEqualTo("failed");

        collation(watching(caller, called)).poller().sweep();

        assertThat(publishedJobIds()).containsExactly(root);
        assertThat(jdbc.queryForObject("SELECT disposition FROM collected_job WHERE job_id = ?", String.class,
                childJob)).isEqualTo("LINKED");
        assertThat(jobReads(root)).isEqualTo(1);
    }

    @Test
    void aFailedCalledJobWhoseRootSucceededIsPublishedNotRepeatable() throws Exception {
        long caller = recipe("Order flow handling errors", Behaviour.healthy());
        long called = recipe("Charge card (function, handled)", Behaviour.alwaysFail("402 Payment Required", null,
                402));
        workspace.setCalls(caller, called, false);
        String root = run(caller, 1, false).get(0);
        String childJob = childOf(called, root);
        assertThat(status(root)).isEqualTo("succeeded");

        collation(watching(caller, called)).poller().sweep();

        assertThat(published()).singleElement().satisfies(f -> {
            assertThat(f.jobId()).isEqualTo(childJob);
            assertThat(f.notRepeatable()).contains("called job").contains(root).contains("succeeded");
        });
    }

    @Test
    void aFailedCalledJobWhoseRootStillRunsWaitsAndIsLinkedOnceTheRootFails() throws Exception {
        long caller = recipe("Slow order flow", new Behaviour(Behaviour.Kind.HANGS, null, null, null, null, null));
        long called = recipe("Charge card (function, slow caller)", Behaviour.alwaysFail("402 Payment Required",
                null, 402));
        workspace.setCalls(caller, called, true);
        String root = workspace.trigger(caller, 1, false).get(0);
        String childJob = childOf(called, root);
        assertThat(status(childJob)).isEqualTo("failed");
        assertThat(status(root)).isEqualTo("pending");
        Collation c = collation(watching(caller, called));
        assertThat(c.webhook().receive(webhookRequest(webhookBody(called, childJob, null, "\"402\"")))
                .getStatusCode().value()).isEqualTo(202);

        c.poller().sweep();
        c.verifier().verifyDue();

        assertThat(published()).isEmpty();   // neither path guesses while the root runs
        assertThat(jdbc.queryForObject("SELECT state FROM webhook_pending WHERE job_id = ?", String.class, childJob))
                .isEqualTo("PENDING");

        workspace.setBehaviour(caller, Behaviour.healthy());
        workspace.completePending(caller);   // the root ends, failed with its called job
        assertThat(status(root)).isEqualTo("failed");
        c.poller().sweep();
        c.verifier().verifyDue();

        assertThat(published()).singleElement().satisfies(f -> {
            assertThat(f.jobId()).isEqualTo(root);
            assertThat(f.notRepeatable()).isNull();
        });
        assertThat(jdbc.queryForObject("SELECT disposition FROM collected_job WHERE job_id = ?", String.class,
                childJob)).isEqualTo("LINKED");
        assertThat(jdbc.queryForObject("SELECT state FROM webhook_pending WHERE job_id = ?", String.class, childJob))
                .isEqualTo("VERIFIED");
    }

    @Test
    void aFailedCalledJobWhoseRootIsStuckLongerThanTheWaitIsPublishedNotRepeatableAndDoesNotHoldItsRecipe()
            throws Exception {
        long caller = recipe("Stuck order flow", new Behaviour(Behaviour.Kind.HANGS, null, null, null, null, null));
        long called = recipe("Charge card (function, stuck caller)", Behaviour.alwaysFail("402 Payment Required",
                null, 402));
        workspace.setCalls(caller, called, true);
        String root = workspace.trigger(caller, 1, false).get(0);
        String childJob = childOf(called, root);
        Collation c = collation(new HashMap<>(Map.of("aof.collation.called-root-max-wait", "1ms",
                "aof.collation.watch.recipe-ids[0]", String.valueOf(called))));

        c.poller().sweep();

        assertThat(status(root)).isEqualTo("pending");
        assertThat(published()).singleElement().satisfies(f -> {
            assertThat(f.jobId()).isEqualTo(childJob);
            assertThat(f.notRepeatable()).contains(root).contains("still running PT0.001S after it");
        });
    }

    static String childOf(long calledRecipe, String rootJob) {
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> items = (List<Map<String, Object>>) workspace.listJobs(calledRecipe, null, null,
                false, false, 100).get("items");
        String id = items.stream().filter(j -> rootJob.equals(j.get("root_job_id"))).map(j -> (String) j.get("id"))
                .findFirst().orElseThrow();
        awaitFinished(id);
        return id;
    }

    // ---- item 9: test jobs are never published ---------------------------------------------------------------------

    @Test
    void aFailedTestJobIsCountedButNeverPublished() throws Exception {
        long recipe = recipe("Edited in the editor", Behaviour.alwaysFail("500 boom", null, 500));
        String testJob = run(recipe, 1, true).get(0);
        String realJob = run(recipe, 1, false).get(0);
        Collation c = collation(watching(recipe));

        c.poller().sweep();
        assertThat(c.webhook().receive(webhookRequest(webhookBody(recipe, testJob, null, "\"500 boom\"")))
                .getStatusCode().value()).isEqualTo(200);   // already known: a duplicate

        assertThat(publishedJobIds()).containsExactly(realJob);
        assertThat(jdbc.queryForObject("SELECT disposition FROM collected_job WHERE job_id = ?", String.class,
                testJob)).isEqualTo("TEST_JOB");
        assertThat(counter("aof.collation.test.jobs", "source", "POLL")).isEqualTo(1);
    }

    // ---- item 14: retention -------------------------------------------------------------------------------------

    @Test
    void retentionKeepsDedupRowsThirtyDaysKeysSevenAndNeverAPendingVerification() {
        CollationApplication app = new CollationApplication();
        List<io.aof.common.retention.RetentionRule> rules = List.of(app.collectedJobRetention(),
                app.webhookIdempotencyRetention(), app.webhookPendingRetention());
        var retention = new io.aof.common.retention.RetentionJob(jdbc, rules, Map.of(), meters);
        jdbc.update("INSERT INTO collected_job (job_id, recipe_id, incident_id, source, collected_at) VALUES "
                + "('j-old', 1, 't:1:j-old', 'POLL', now() - interval '31 days'), "
                + "('j-recent', 1, 't:1:j-recent', 'POLL', now() - interval '29 days')");
        jdbc.update("INSERT INTO webhook_idempotency (idempotency_key, job_id, incident_id, received_at) VALUES "
                + "('k-old', 'j-a', 't:1:j-a', now() - interval '8 days'), "
                + "('k-recent', 'j-b', 't:1:j-b', now() - interval '6 days')");
        jdbc.update("INSERT INTO webhook_pending (job_id, recipe_id, payload, state, received_at, finished_at) VALUES "
                + "('j-refused', 1, '{}', 'REFUSED', now() - interval '40 days', now() - interval '31 days'), "
                + "('j-verified', 1, '{}', 'VERIFIED', now() - interval '10 days', now() - interval '10 days'), "
                + "('j-waiting', 1, '{}', 'PENDING', now() - interval '40 days', NULL)");

        rules.forEach(retention::purge);

        assertThat(jdbc.queryForList("SELECT job_id FROM collected_job", String.class)).containsExactly("j-recent");
        assertThat(jdbc.queryForList("SELECT idempotency_key FROM webhook_idempotency", String.class))
                .containsExactly("k-recent");
        assertThat(jdbc.queryForList("SELECT job_id FROM webhook_pending ORDER BY job_id", String.class))
                .containsExactly("j-verified", "j-waiting");
    }
}
