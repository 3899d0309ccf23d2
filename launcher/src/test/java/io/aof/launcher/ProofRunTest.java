package io.aof.launcher;

import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The proof's own verdicts, without a suite: what counts as a violated invariant. */
class ProofRunTest {

    private static final List<String> POISON = List.of("aof.job-failures|poison-1", "aof.recovery-events|poison-2",
            "aof.notification-requests|poison-3");

    @Test
    void deadLettersMustBeExactlyThePoisonByKeyNotJustAsMany() {
        assertThat(ProofRun.deadLettersOtherThan(POISON, POISON)).isEmpty();
        // as many dead letters as poison records, but one poison record twice and another one missing
        assertThat(ProofRun.deadLettersOtherThan(POISON, List.of("aof.job-failures|poison-1",
                "aof.job-failures|poison-1", "aof.notification-requests|poison-3")))
                .hasSize(2).anyMatch(w -> w.contains("poison-1") && w.contains("2 times"))
                .anyMatch(w -> w.contains("poison-2") && w.contains("0 times"));
        // as many, but one of them a real event dead-lettered instead of a poison record
        assertThat(ProofRun.deadLettersOtherThan(POISON, List.of("aof.job-failures|poison-1",
                "aof.recovery-events|incident-7", "aof.notification-requests|poison-3")))
                .hasSize(2).anyMatch(w -> w.contains("incident-7") && w.contains("no poison"));
    }

    @Test
    void aFaultThatMissedItsConditionIsAViolationNotANote() {
        ProofRun.Fault hit = new ProofRun.Fault("kill -9 recovery during a repeat_jobs call", 1000);
        ProofRun.Fault missed = new ProofRun.Fault("kill -9 recovery (NO call was in flight)", 2000);
        missed.unmet = "recovery: no repeat_jobs call of it was in flight within 90 s (killed anyway)";

        assertThat(ProofRun.unmetFaults(List.of(hit))).isEmpty();
        assertThat(ProofRun.unmetFaults(List.of(hit, missed))).containsExactly(missed.unmet);
    }

    @Test
    void theStoppedRecipeIsEscalatedExactlyOnceAndNeverRepeated() {
        long stopped = 42;
        assertThat(ProofRun.recipeStopMismatches(List.of(new long[]{stopped, 1, 0, 0}), stopped)).isEmpty();
        assertThat(ProofRun.recipeStopMismatches(List.of(), stopped)).hasSize(1);
        assertThat(ProofRun.recipeStopMismatches(List.of(new long[]{stopped, 1, 0, 0}, new long[]{stopped, 1, 0, 0}),
                stopped)).hasSize(1);
        assertThat(ProofRun.recipeStopMismatches(List.of(new long[]{stopped, 0, 0, 0}), stopped))
                .singleElement().asString().contains("not ESCALATED");
        assertThat(ProofRun.recipeStopMismatches(List.of(new long[]{stopped, 1, 1, 1}), stopped))
                .singleElement().asString().contains("repeated");
        assertThat(ProofRun.recipeStopMismatches(List.of(new long[]{stopped, 1, 0, 0}, new long[]{7, 1, 0, 0}),
                stopped)).singleElement().asString().contains("never stopped");
    }

    @Test
    void aSlackReplyMustFollowTheMessageThatStartedItsThreadInItsChannel() {
        Map<String, Object> first = slack("chat.postMessage", "#aof-ops", "1.000001", null);
        Map<String, Object> reply = slack("chat.postMessage", "#aof-ops", "1.000002", "1.000001");
        Map<String, Object> update = slack("chat.update", "#aof-ops", "1.000001", null);

        assertThat(ProofRun.slackThreadBreaks(List.of(first, reply, update))).isEmpty();
        assertThat(ProofRun.slackThreadBreaks(List.of(reply, first))).hasSize(1);
        assertThat(ProofRun.slackThreadBreaks(List.of(first, slack("chat.postMessage", "#aof-admin", "1.000003",
                "1.000001")))).singleElement().asString().contains("#aof-admin");
    }

    @Test
    void inAnIncidentsThreadAttemptsNeverGoBackAndNothingFollowsTheClosingReply() {
        Map<String, Object> first = slack("chat.postMessage", "#aof-ops", "1.000001", null,
                ":warning: Job failed; retrying: r (job j-1, UPSTREAM_5XX, attempt 1 of 3)");
        Map<String, Object> retry2 = slack("chat.postMessage", "#aof-ops", "1.000002", "1.000001",
                ":warning: Retry failed (job j-1, attempt 2 of 3)");
        Map<String, Object> retry1 = slack("chat.postMessage", "#aof-ops", "1.000003", "1.000001",
                ":warning: Retry failed (job j-1, attempt 1 of 3)");
        Map<String, Object> recovered = slack("chat.postMessage", "#aof-ops", "1.000004", "1.000001",
                ":white_check_mark: Recovered (job j-1, attempt 2 of 3)");
        Map<String, Object> late = slack("chat.postMessage", "#aof-ops", "1.000005", "1.000001",
                ":warning: Retry failed (job j-1, attempt 3 of 3)");

        assertThat(ProofRun.slackThreadBreaks(List.of(first, retry2, recovered))).isEmpty();
        assertThat(ProofRun.slackThreadBreaks(List.of(first, retry2, retry1))).singleElement().asString()
                .contains("attempt 1 after attempt 2");
        assertThat(ProofRun.slackThreadBreaks(List.of(first, recovered, late))).singleElement().asString()
                .contains("after the reply that closed the incident");
        // an escalation's reminders (admin channel, not a failure alert's thread) may follow each other freely
        Map<String, Object> escalation = slack("chat.postMessage", "#aof-admin", "1.000006", null,
                ":rotating_light: Escalation: j-2 exhausted");
        Map<String, Object> reminder = slack("chat.postMessage", "#aof-admin", "1.000007", "1.000006",
                ":rotating_light: Still unacknowledged (job j-2, attempt 3 of 3)");
        assertThat(ProofRun.slackThreadBreaks(List.of(escalation, reminder, reminder))).isEmpty();
    }

    @Test
    void aFollowUpMailComesAfterTheMailItAnswersAndItsAttemptsNeverGoBack() {
        Map<String, Object> first = mail("<a@aof>", null, "Attempt:  1 of 3");
        Map<String, Object> second = mail("<b@aof>", "<a@aof>", "Attempt:  2 of 3");
        Map<String, Object> third = mail("<c@aof>", "<a@aof>", "Attempt:  3 of 3");

        assertThat(ProofRun.mailThreadBreaks(List.of(first, second, third))).isEmpty();
        assertThat(ProofRun.mailThreadBreaks(List.of(second, first))).singleElement().asString()
                .contains("answers <a@aof>");
        assertThat(ProofRun.mailThreadBreaks(List.of(first, third, second))).singleElement().asString()
                .contains("attempt 2 after attempt 3");
    }

    @Test
    void aMailSentAgainUnderItsMessageIdIsCountedOneUnderANewMessageIdIsDoubled() {
        Map<String, Object> first = mail("<a@aof>", null, "Attempt:  1 of 3");
        Map<String, Object> again = mail("<a@aof>", null, "Attempt:  1 of 3");
        Map<String, Object> twice = mail("<z@aof>", null, "Attempt:  1 of 3");
        List<String> details = new java.util.ArrayList<>();

        assertThat(ProofRun.doubledMails(List.of(first, again), details)).isZero();
        assertThat(ProofRun.sentAgain(List.of(first, again))).isEqualTo(1);
        assertThat(ProofRun.doubledMails(List.of(first, twice), details)).isEqualTo(1);
        assertThat(details).singleElement().asString().contains("MAIL DOUBLED x2");
        assertThat(ProofRun.sentAgain(List.of(first, twice))).isZero();
    }

    private static Map<String, Object> mail(String id, String inReplyTo, String text) {
        Map<String, Object> m = new HashMap<>();
        m.put("message_id", id);
        m.put("in_reply_to", inReplyTo);
        m.put("to", List.of("ops@example.com"));
        m.put("subject", "[AOF WARNING] Retry failed: r");
        m.put("text", "Recipe:   r\n" + text + "\n");
        return m;
    }

    private static Map<String, Object> slack(String method, String channel, String ts, String threadTs,
                                             String text) {
        Map<String, Object> m = slack(method, channel, ts, threadTs);
        m.put("text", text);
        return m;
    }

    private static Map<String, Object> slack(String method, String channel, String ts, String threadTs) {
        Map<String, Object> m = new HashMap<>();
        m.put("method", method);
        m.put("channel", channel);
        m.put("ts", ts);
        m.put("thread_ts", threadTs);
        m.put("text", "Incident opened");
        return m;
    }
}
