package io.aof.e2e;

import io.aof.common.events.EventCodec;
import io.aof.common.events.JobFailed;
import io.aof.common.events.RecoveryRequested;
import io.aof.common.events.Topics;
import io.aof.orchestrator.OrchestratorApplication;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Nothing lost, nothing doubled: redeliveries, a crash in the middle of a
 * repeat_jobs call, a poison message, and an orchestrator restart never repeat a
 * Workato job twice for one decision and never lose a failure.
 */
class ExactlyOnceTest extends SuiteTest {


    @Test
    void redeliveredRecoveryRequestRepeatsTheJobOnce() {
        long recipe = sim.addFailsOnceUnpolledRecipe("Redelivery target");
        String job = finishedJob(recipe);
        String incident = AofSuite.WORKSPACE + ":" + recipe + ":" + job;
        RecoveryRequested request = RecoveryRequested.of(AofSuite.WORKSPACE, recipe, job, incident, 1);
        RecoveryRequested sameDecisionResent = new RecoveryRequested(UUID.randomUUID(), request.occurredAt(),
                request.schemaVersion(), request.workspace(), request.recipeId(), request.jobId(), incident, 1);

        for (int i = 0; i < 3; i++) {
            suite.publish(Topics.RECOVERY_REQUESTS.name(), incident, EventCodec.encode(request));
        }
        suite.publish(Topics.RECOVERY_REQUESTS.name(), incident, EventCodec.encode(sameDecisionResent));

        await().atMost(Duration.ofSeconds(20)).until(() -> "DONE".equals(requestState(incident)));
        await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(5)).until(() -> sim.repeatsOf(job) == 1);
        assertThat(suite.db.queryForObject("SELECT outcome FROM recovery.repeat_request WHERE incident_id = ?",
                String.class, incident)).isEqualTo("SUCCEEDED");
    }

    @Test
    void callThatWentThroughBeforeACrashIsReconciledNotRepeatedAgain() {
        long recipe = sim.addFailsOnceUnpolledRecipe("Crash mid-call");
        String job = finishedJob(recipe);
        String incident = AofSuite.WORKSPACE + ":" + recipe + ":" + job;
        // The process recorded its intent, called Workato, Workato enqueued the repeat, and the process died
        // before it could record the answer.
        suite.db.update("INSERT INTO recovery.repeat_request (incident_id, attempt, workspace, recipe_id, job_id, "
                        + "state, tries, call_started_at, sent_at, next_try_at) VALUES (?, 1, ?, ?, ?, 'CALLING', 1, "
                        + "now() - interval '2 seconds', now() - interval '2 seconds', now())", incident, AofSuite.WORKSPACE, recipe, job);
        sim.repeatDirectly(recipe, job, AofSuite.WORKATO_TOKEN);

        await().atMost(Duration.ofSeconds(20)).until(() -> "DONE".equals(requestState(incident)));

        assertThat(sim.repeatsOf(job)).isEqualTo(1);
        Map<String, Object> row = suite.db.queryForMap("SELECT outcome, repeat_job_id FROM recovery.repeat_request "
                + "WHERE incident_id = ?", incident);
        assertThat(row.get("outcome")).isEqualTo("SUCCEEDED");
        assertThat(row.get("repeat_job_id")).isNotNull();
    }

    @Test
    void callThatNeverReachedWorkatoBeforeACrashIsMadeOnce() {
        long recipe = sim.addFailsOnceUnpolledRecipe("Crash before call");
        String job = finishedJob(recipe);
        String incident = AofSuite.WORKSPACE + ":" + recipe + ":" + job;
        suite.db.update("INSERT INTO recovery.repeat_request (incident_id, attempt, workspace, recipe_id, job_id, "
                        + "state, tries, call_started_at, sent_at, next_try_at) VALUES (?, 1, ?, ?, ?, 'CALLING', 1, "
                        + "now() - interval '2 seconds', now() - interval '2 seconds', now())", incident, AofSuite.WORKSPACE, recipe, job);

        await().atMost(Duration.ofSeconds(20)).until(() -> "DONE".equals(requestState(incident)));

        await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(5)).until(() -> sim.repeatsOf(job) == 1);
    }

    @Test
    void poisonMessageGoesToTheDeadLetterTopicIsLoggedAndDoesNotBlockItsPartition() {
        String garbage = "not an event " + UUID.randomUUID();
        String key = "poison-" + UUID.randomUUID();
        JobFailed next = JobFailed.of(AofSuite.WORKSPACE, 990_001L, "Behind the poison", null,
                "j-after-poison-" + UUID.randomUUID().toString().substring(0, 8), null, "401 Unauthorized", null, 401,
                Instant.now(), Instant.now(), JobFailed.CollectionSource.WEBHOOK);

        suite.publish(Topics.JOB_FAILURES.name(), key, garbage);
        suite.publish(Topics.JOB_FAILURES.name(), key, EventCodec.encode(next));   // same key: same partition

        await().atMost(Duration.ofSeconds(30)).until(() -> suite.db.queryForObject(
                "SELECT count(*) FROM logger.event_log WHERE topic = ? AND dead_letter AND payload->>'raw' = ?",
                Integer.class, Topics.JOB_FAILURES.deadLetterName(), garbage) == 1);
        awaitIncidentState(next.incidentId(), "NON_RETRYABLE");
    }

    @Test
    void orchestratorRestartLosesNoFailureAndRepeatsNothingTwice() {
        long recipe = sim.addRecipe("Restart (fails twice)",
                "{\"kind\":\"FAIL_TIMES\",\"failTimes\":2,\"error\":\"Connection reset by peer\"}");
        String job;
        suite.stop("orchestrator");
        try {
            job = sim.trigger(recipe);
            // collation publishes the failure while the orchestrator is down
            await().atMost(Duration.ofSeconds(20)).until(() -> suite.db.queryForObject(
                    "SELECT count(*) FROM \"collation\".collected_job WHERE job_id = ?", Integer.class, job) == 1);
        } finally {
            suite.start("orchestrator", OrchestratorApplication::builder);
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> sim.repeatsOf(job) >= 1);
        suite.stop("orchestrator");   // again, with a retry in flight or scheduled
        suite.start("orchestrator", OrchestratorApplication::builder);
        String incident = AofSuite.WORKSPACE + ":" + recipe + ":" + job;

        awaitIncidentState(incident, "RECOVERED");
        await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(5)).until(() -> sim.repeatsOf(job) == 2);
        awaitTimelineEnd(incident, "IncidentRecovered");
        assertEveryRetryStartedOnceAtOrAfterItsDueTime(incident, 2);
    }

    private static String finishedJob(long recipe) {
        String job = sim.trigger(recipe);
        await().atMost(Duration.ofSeconds(10)).until(() -> !"pending".equals(
                Http.getJson(suite.simulatorUrl + "/sim/jobs/" + job).get("status").asString()));
        return job;
    }

    private static String requestState(String incident) {
        return suite.db.query("SELECT state FROM recovery.repeat_request WHERE incident_id = ?",
                rs -> rs.next() ? rs.getString(1) : null, incident);
    }

}
