package io.aof.orchestrator.incident;

import io.aof.common.events.IncidentEvent;
import io.aof.common.events.IncidentState;
import io.aof.common.events.JobFailed;
import io.aof.common.events.NotificationRequested;
import io.aof.common.events.RecoveryCommand;
import io.aof.common.events.RecoveryEvent.RecoveryOutcome;
import io.aof.common.events.Topics;
import org.junit.jupiter.api.Test;
import io.aof.common.ops.DomainException;

import java.time.Duration;
import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The incident state machine, given/when/then on a real PostgreSQL schema, reading its outbox. */
class IncidentServiceTest {

    final OrchestratorDb db = new OrchestratorDb();

    @Test
    void aJobCollationSaysMustNeverBeRepeatedOpensNonRetryableWithTheReasonWhateverThePolicy() {
        // TIMEOUT is retryable by policy
        db.given(OrchestratorDb.timeout("j-1").notRepeatable("a test job (is_test): never repeated"));

        String id = OrchestratorDb.incidentOf("j-1");
        Incident i = db.incident(id);
        assertThat(i.state()).isEqualTo(IncidentState.NON_RETRYABLE);
        assertThat(i.notRepeatable()).isEqualTo("a test job (is_test): never repeated");
        assertThat(db.scheduled(id)).isZero();
        assertThat(db.outbox(Topics.RECOVERY_REQUESTS.name())).isEmpty();
        var nonRetryable = db.events(Topics.INCIDENT_EVENTS, IncidentEvent.IncidentNonRetryable.class);
        assertThat(nonRetryable).singleElement().satisfies(e -> assertThat(e.error())
                .startsWith("Not repeated: a test job (is_test): never repeated").contains("504 Gateway Timeout"));
        assertThat(db.events(Topics.NOTIFICATION_REQUESTS, NotificationRequested.class))
                .extracting(NotificationRequested::kind).containsOnly(NotificationRequested.Kind.NON_RETRYABLE);

        // and an operator cannot replay it either: the reason stands
        assertThatThrownBy(() -> db.tx.execute(s -> db.service.replay(id, "alice", "try")))
                .isInstanceOf(DomainException.class).hasMessageContaining("must never be repeated");
    }

    @Test
    void theWebhookSourceThatReportedTheFailureIsStoredOnTheIncidentAndAnnouncedAPollHasNone() {
        Instant t = Instant.parse("2026-11-27T10:00:00Z");
        db.given(JobFailed.of(OrchestratorDb.WORKSPACE, OrchestratorDb.RECIPE, "Orders", null, "j-pushed", null,
                "504 Gateway Timeout", null, 504, t, t, JobFailed.CollectionSource.WEBHOOK, "team-a"));
        db.given(OrchestratorDb.timeout("j-polled"));

        assertThat(db.incident(OrchestratorDb.incidentOf("j-pushed")).webhookSource()).isEqualTo("team-a");
        assertThat(db.incident(OrchestratorDb.incidentOf("j-polled")).webhookSource()).isNull();
        assertThat(db.events(Topics.INCIDENT_EVENTS, IncidentEvent.IncidentOpened.class))
                .extracting(IncidentEvent.IncidentOpened::jobId, IncidentEvent.IncidentOpened::webhookSource)
                .containsExactlyInAnyOrder(org.assertj.core.groups.Tuple.tuple("j-pushed", "team-a"),
                        org.assertj.core.groups.Tuple.tuple("j-polled", null));
    }

    @Test
    void resolvingARetryingIncidentCancelsItsPendingRepeatInTheSameTransaction() {
        String id = OrchestratorDb.incidentOf("j-2");
        db.given(OrchestratorDb.timeout("j-2"));
        db.startDueNow(id);
        assertThat(db.incident(id).state()).isEqualTo(IncidentState.RETRYING);

        db.tx.execute(s -> db.service.resolve(id, "bob", "re-ran it by hand during the outage"));

        assertThat(db.incident(id).state()).isEqualTo(IncidentState.MANUALLY_RESOLVED);
        assertThat(db.outbox(Topics.RECOVERY_REQUESTS.name()))
                .containsExactly("RecoveryRequested", "RecoveryCancelled");
        var cancel = db.events(Topics.RECOVERY_REQUESTS, RecoveryCommand.RecoveryCancelled.class).get(0);
        assertThat(cancel.attempt()).isEqualTo(1);
        assertThat(cancel.incidentId()).isEqualTo(id);
        assertThat(cancel.reason()).contains("bob", "re-ran it by hand");
        // keyed by incident like the request, so recovery reads it after the request
        assertThat(db.keysOf(Topics.RECOVERY_REQUESTS.name(), "RecoveryCancelled")).containsExactly(id);
        assertThat(db.keysOf(Topics.RECOVERY_REQUESTS.name(), "RecoveryRequested")).containsExactly(id);
        assertThat(db.counter("aof.retries.cancelled", "reason", "resolved")).isEqualTo(1);
    }

    @Test
    void resolvingAScheduledIncidentDropsItsScheduledRetry() {
        String id = OrchestratorDb.incidentOf("j-3");
        db.given(OrchestratorDb.timeout("j-3"));
        assertThat(db.scheduled(id)).isEqualTo(1);

        db.tx.execute(s -> db.service.resolve(id, "bob", "fixed"));

        assertThat(db.scheduled(id)).isZero();
        assertThat(db.outbox(Topics.RECOVERY_REQUESTS.name())).isEmpty();   // nothing was ever requested
    }

    @Test
    void anIncidentReadBeforeAnotherOrchestratorResolvedItIsNotResolvedTwice() {
        String id = OrchestratorDb.incidentOf("j-9");
        db.given(OrchestratorDb.timeout("j-9"));
        Instant[] outerNow = new Instant[1];

        assertThatThrownBy(() -> db.tx.executeWithoutResult(s -> {
            outerNow[0] = db.incidents.databaseNow();
            // read without a lock (as a query for people would): this transaction now holds a RETRY_SCHEDULED copy
            assertThat(db.incidentRepository.findById(id).orElseThrow().state())
                    .isEqualTo(IncidentState.RETRY_SCHEDULED);
            // another orchestrator (a transaction of its own) resolves it meanwhile
            db.otherTx().executeWithoutResult(o -> db.service.resolve(id, "dave", "fixed"));
            db.service.resolve(id, "carol", "fixed too");
        })).isInstanceOf(DomainException.class).hasMessageContaining("is already MANUALLY_RESOLVED");

        assertThat(db.events(Topics.INCIDENT_EVENTS, IncidentEvent.ResolvedManually.class)).singleElement()
                .satisfies(e -> assertThat(e.resolvedBy()).isEqualTo("dave"));
        // the other transaction wrote its own time, not the one this transaction had read
        assertThat(db.incident(id).closedAt()).isAfter(outerNow[0]);
    }

    @Test
    void everyOperatorActionIsAuditedInTheCentralLogInItsTransaction() {
        String id = OrchestratorDb.incidentOf("j-audit");
        db.given(OrchestratorDb.timeout("j-audit"));
        db.tx.execute(s -> db.service.resolve(id, "bob", "fixed"));
        db.tx.executeWithoutResult(s -> db.service.suppressRecipe(OrchestratorDb.RECIPE,
                java.time.Instant.now().plusSeconds(600), "ERP upgrade", "carol"));
        String held = OrchestratorDb.incidentOf("j-audit-2");
        db.given(OrchestratorDb.timeout("j-audit-2"));
        assertThat(db.incident(held).state()).isEqualTo(IncidentState.SUPPRESSED);
        db.tx.execute(s -> db.service.replay(held, "alice", "once more"));
        db.tx.execute(s -> db.service.unsuppressRecipe(OrchestratorDb.RECIPE, "dave", "upgrade done"));
        // nothing to end: no record
        Boolean ended = db.tx.execute(s -> db.service.unsuppressRecipe(OrchestratorDb.RECIPE, "erin", "again"));
        assertThat(ended).isFalse();

        String r = String.valueOf(OrchestratorDb.RECIPE);
        assertThat(db.events(Topics.OPERATOR_ACTIONS, io.aof.common.events.OperatorActed.class))
                .extracting(a -> a.actor() + " " + a.action() + " " + a.incidentId() + " " + a.recipeId() + " "
                        + a.reason() + " " + a.workspace())
                .containsExactly("bob RESOLVE " + id + " " + r + " fixed w",
                        "carol SUPPRESS null " + r + " ERP upgrade w",
                        "alice REPLAY " + held + " " + r + " once more w",
                        "dave UNSUPPRESS null " + r + " upgrade done w");
        assertThat(db.keysOf(Topics.OPERATOR_ACTIONS.name(), "OperatorActed")).containsExactly(id, r, held, r);
        assertThat(db.jdbc.queryForList("SELECT requested_by || ' ' || action FROM operator_action ORDER BY id",
                String.class)).containsExactly("bob RESOLVE", "carol SUPPRESS", "alice REPLAY", "dave UNSUPPRESS");
    }

    @Test
    void suppressingARecipeHoldsItsScheduledRetriesAndCancelsItsPendingRepeats() {
        String scheduled = OrchestratorDb.incidentOf("j-4");
        String retrying = OrchestratorDb.incidentOf("j-5");
        db.given(OrchestratorDb.timeout("j-4"));
        db.given(OrchestratorDb.timeout("j-5"));
        db.startDueNow(retrying);

        db.tx.executeWithoutResult(s -> db.service.suppressRecipe(OrchestratorDb.RECIPE,
                Instant.now().plus(Duration.ofHours(1)), "ERP upgrade", "carol"));

        assertThat(db.incident(scheduled).state()).isEqualTo(IncidentState.SUPPRESSED);
        assertThat(db.scheduled(scheduled)).isZero();
        // the request may be in flight: the incident waits for recovery's word
        assertThat(db.incident(retrying).state()).isEqualTo(IncidentState.RETRYING);
        assertThat(db.events(Topics.RECOVERY_REQUESTS, RecoveryCommand.RecoveryCancelled.class))
                .singleElement().satisfies(c -> {
                    assertThat(c.incidentId()).isEqualTo(retrying);
                    assertThat(c.attempt()).isEqualTo(1);
                });

        // recovery had not sent it: the attempt is given back and the incident waits for the window
        db.cancelled(retrying, 1);
        Incident held = db.incident(retrying);
        assertThat(held.state()).isEqualTo(IncidentState.SUPPRESSED);
        assertThat(held.attempt()).isEqualTo(1);
        assertThat(held.maxAttempts()).isEqualTo(4);
        assertThat(held.replays()).isZero();   // nobody replayed it: its notifications keep their keys
        assertThat(held.closedAt()).isNull();   // open: it waits for the window
    }

    @Test
    void aFailedRepeatDuringAWindowWaitsForTheWindowInsteadOfBeingRetried() {
        String id = OrchestratorDb.incidentOf("j-6");
        db.given(OrchestratorDb.timeout("j-6"));
        db.startDueNow(id);
        db.tx.executeWithoutResult(s -> db.service.suppressRecipe(OrchestratorDb.RECIPE,
                Instant.now().plus(Duration.ofHours(1)), "ERP upgrade", "carol"));

        db.outcome(id, 1, RecoveryOutcome.Status.FAILED);   // the call had already gone

        assertThat(db.incident(id).state()).isEqualTo(IncidentState.SUPPRESSED);
        assertThat(db.incident(id).attempt()).isEqualTo(1);
        assertThat(db.incident(id).lastError()).isEqualTo("still failing");
        assertThat(db.scheduled(id)).isZero();
        Instant until = db.jdbc.queryForObject("SELECT until FROM recipe_suppression", java.sql.Timestamp.class)
                .toInstant();
        assertThat(db.events(Topics.INCIDENT_EVENTS, IncidentEvent.IncidentSuppressed.class)).singleElement()
                .satisfies(e -> {
                    assertThat(e.attempt()).isEqualTo(1);
                    assertThat(e.suppressedUntil()).isEqualTo(until);
                    assertThat(e.reason()).isEqualTo("ERP upgrade");
                });
    }

    @Test
    void aWindowAlreadyOverOnTheDatabasesClockHoldsNothing() {
        String id = OrchestratorDb.incidentOf("j-8");
        db.given(OrchestratorDb.timeout("j-8"));
        Instant past = db.incidents.databaseNow().minusSeconds(1);

        db.tx.executeWithoutResult(s -> db.service.suppressRecipe(OrchestratorDb.RECIPE, past, "too late", "carol"));

        assertThat(db.incident(id).state()).isEqualTo(IncidentState.RETRY_SCHEDULED);
        assertThat(db.scheduled(id)).isEqualTo(1);
        assertThat(db.events(Topics.INCIDENT_EVENTS, IncidentEvent.IncidentSuppressed.class)).isEmpty();
    }

    @Test
    void aHeldScheduledRetryIsAnnouncedWithItsWindow() {
        String id = OrchestratorDb.incidentOf("j-9");
        db.given(OrchestratorDb.timeout("j-9"));
        db.tx.executeWithoutResult(s -> db.service.suppressRecipe(OrchestratorDb.RECIPE,
                Instant.parse("2099-01-01T00:00:00.123456Z"), "ERP upgrade", "carol"));

        assertThat(db.incident(id).state()).isEqualTo(IncidentState.SUPPRESSED);
        assertThat(db.events(Topics.INCIDENT_EVENTS, IncidentEvent.IncidentSuppressed.class)).singleElement()
                .satisfies(e -> {
                    assertThat(e.suppressedUntil()).isEqualTo(Instant.parse("2099-01-01T00:00:00.123456Z"));
                    assertThat(e.reason()).isEqualTo("ERP upgrade");
                });
    }

    @Test
    void aRecoveredOutcomeAfterTheWindowBeganStillRecovers() {
        String id = OrchestratorDb.incidentOf("j-7");
        db.given(OrchestratorDb.timeout("j-7"));
        db.startDueNow(id);
        db.tx.executeWithoutResult(s -> db.service.suppressRecipe(OrchestratorDb.RECIPE,
                Instant.now().plus(Duration.ofHours(1)), "ERP upgrade", "carol"));

        db.outcome(id, 1, RecoveryOutcome.Status.SUCCEEDED);

        assertThat(db.incident(id).state()).isEqualTo(IncidentState.RECOVERED);
    }

    @Test
    void anIncidentOfARecipeStoppedByWorkatoClosesByItselfWhenTheRecipeRunsAgainAndItsThreadsAreTold() {
        Instant stoppedAt = Instant.parse("2026-11-28T09:00:00Z");
        io.aof.common.events.RecipeStopped stopped = io.aof.common.events.RecipeStopped.of(OrchestratorDb.WORKSPACE,
                OrchestratorDb.RECIPE, "Orders", null, "trigger_errors_limit", stoppedAt);
        db.tx.executeWithoutResult(s -> db.service.onRecipeStopped(stopped));
        assertThat(db.incident(stopped.incidentId()).state()).isEqualTo(IncidentState.ESCALATED);

        var again = io.aof.common.events.RecipeEvent.RecipeRunningAgain.of(OrchestratorDb.WORKSPACE,
                OrchestratorDb.RECIPE, "Orders", stoppedAt.plusMillis(400));   // the cursor kept it to the micro
        db.tx.executeWithoutResult(s -> db.service.onRecipeRunningAgain(again));
        db.tx.executeWithoutResult(s -> db.service.onRecipeRunningAgain(again));   // a second look: nothing more

        Incident closed = db.incident(stopped.incidentId());
        assertThat(closed.state()).isEqualTo(IncidentState.RECOVERED);
        assertThat(closed.closedAt()).isNotNull();
        assertThat(db.outbox(Topics.INCIDENT_EVENTS.name())).containsExactly("RecipeStoppedEscalated",
                "IncidentRecovered");
        var told = db.events(Topics.NOTIFICATION_REQUESTS, NotificationRequested.class);
        assertThat(told).extracting(NotificationRequested::kind, NotificationRequested::audience).containsExactly(
                org.assertj.core.groups.Tuple.tuple(NotificationRequested.Kind.RECIPE_STOPPED,
                        NotificationRequested.Audience.OPS),
                org.assertj.core.groups.Tuple.tuple(NotificationRequested.Kind.RECIPE_STOPPED,
                        NotificationRequested.Audience.SUPER_ADMIN),
                org.assertj.core.groups.Tuple.tuple(NotificationRequested.Kind.RECOVERED,
                        NotificationRequested.Audience.OPS),
                org.assertj.core.groups.Tuple.tuple(NotificationRequested.Kind.RECOVERED,
                        NotificationRequested.Audience.SUPER_ADMIN));
        assertThat(told.get(2).title()).isEqualTo("Recipe running again");
        assertThat(told.get(2).incidentId()).isEqualTo(stopped.incidentId());
    }
}
