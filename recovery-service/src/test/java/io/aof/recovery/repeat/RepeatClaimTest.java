package io.aof.recovery.repeat;

import io.aof.common.events.RecoveryCommand.RecoveryCancelled;
import io.aof.common.events.RecoveryRequested;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The claim, where the SQL is the logic ({@link RepeatStore#claimDue}): only due requests, oldest first, up to the
 * batch, of one recipe, never one held by an earlier live attempt of its incident; rows another transaction holds
 * are skipped, not waited for; a claim leases its rows and fences them with its token. Time moves on the
 * database's clock (the rows' due times are set back), never by sleeping.
 */
class RepeatClaimTest extends OneRecoveryInstance {

    static final Duration LEASE = Duration.ofMinutes(1);

    @Test
    void onlyDueRequestsOfTheRecipeAreClaimedOldestFirstUpToTheBatch() {
        request("j-1", 7);
        request("j-2", 7);
        request("j-3", 7);
        request("j-4", 8);
        request("j-5", 7);
        recovery.jdbc.update("UPDATE repeat_request SET next_try_at = now() - interval '1 minute' "
                + "WHERE job_id = 'j-3'");
        recovery.jdbc.update("UPDATE repeat_request SET next_try_at = now() + interval '1 minute' "
                + "WHERE job_id = 'j-5'");   // deferred: not due yet

        List<RepeatRequest> claimed = recovery.store.claimDue(7, 2, LEASE);

        assertThat(claimed).extracting(RepeatRequest::jobId).containsExactlyInAnyOrder("j-3", "j-1");
        assertThat(claimed).allSatisfy(r -> {
            assertThat(r.previousState()).isEqualTo(RepeatState.PENDING);
            assertThat(r.claimToken()).isEqualTo(claimed.get(0).claimToken()).isNotNull();
            assertThat(r.callStartedAt()).isNotNull();
        });
        assertThat(recovery.store.claimDue(7, 25, LEASE)).extracting(RepeatRequest::jobId).containsExactly("j-2");
        assertThat(recovery.store.claimDue(7, 25, LEASE)).isEmpty();
        assertThat(recovery.jdbc.queryForList("SELECT job_id || ' ' || state || ' ' || tries FROM repeat_request "
                + "ORDER BY job_id", String.class)).containsExactly("j-1 CALLING 1", "j-2 CALLING 1",
                "j-3 CALLING 1", "j-4 PENDING 0", "j-5 PENDING 0");
    }

    @Test
    void aRequestAnotherTransactionHoldsIsSkippedNotWaitedFor() throws Exception {
        request("j-1", 7);
        request("j-2", 7);
        try (Connection other = recovery.ds.getConnection()) {
            other.setAutoCommit(false);
            try (Statement s = other.createStatement()) {
                s.execute("SELECT 1 FROM repeat_request WHERE job_id = 'j-1' FOR UPDATE");
                // would block until the other transaction ends without SKIP LOCKED
                assertThat(recovery.store.claimDue(7, 25, LEASE)).extracting(RepeatRequest::jobId)
                        .containsExactly("j-2");
            }
            other.rollback();
        }
        assertThat(recovery.store.claimDue(7, 25, LEASE)).extracting(RepeatRequest::jobId).containsExactly("j-1");
    }

    @Test
    void aClaimLeasesItsRowsAndOnlyTheLatestClaimOfARowMaySendIt() {
        request("j-1", 7);
        List<RepeatRequest> first = recovery.store.claimDue(7, 25, LEASE);
        assertThat(recovery.store.claimDue(7, 25, LEASE)).isEmpty();   // leased

        // the lease runs out (on the database's clock) before the first claim's call turn
        recovery.jdbc.update("UPDATE repeat_request SET next_try_at = now() - interval '1 millisecond'");
        List<RepeatRequest> second = recovery.store.claimDue(7, 25, LEASE);

        assertThat(second).singleElement().satisfies(r -> {
            assertThat(r.previousState()).isEqualTo(RepeatState.CALLING);   // reconciled before any call
            assertThat(r.claimToken()).isNotEqualTo(first.get(0).claimToken());
            assertThat(r.callStartedAt()).isEqualTo(first.get(0).callStartedAt());   // the first call's time
        });
        assertThat(turn(first)).isEqualTo(new RepeatStore.Turn.Taken(java.util.Set.of()));   // fenced
        assertThat(recovery.jdbc.queryForObject("SELECT sent_at IS NULL FROM repeat_request", Boolean.class))
                .isTrue();
        assertThat(turn(second)).isEqualTo(new RepeatStore.Turn.Taken(java.util.Set.of("1@w:7:j-1")));
        assertThat(recovery.jdbc.queryForObject("SELECT tries FROM repeat_request", Integer.class)).isEqualTo(2);
    }

    @Test
    void aLaterAttemptIsNotClaimedWhileAnEarlierOneIsLive() {
        recovery.deliver(RecoveryRequested.of("w", 7, "j-1", "w:7:j-1", 1));
        recovery.deliver(RecoveryRequested.of("w", 7, "j-1", "w:7:j-1", 2));

        assertThat(recovery.store.dueRecipes()).extracting(RepeatStore.DueRecipe::recipeId).containsExactly(7L);
        assertThat(recovery.store.claimDue(7, 25, LEASE)).extracting(RepeatRequest::attempt).containsExactly(1);
        recovery.jdbc.update("UPDATE repeat_request SET next_try_at = now() - interval '1 millisecond'");
        // attempt 1 is sent with its answer unknown: attempt 2 still waits, attempt 1 is claimed to be reconciled
        assertThat(recovery.store.claimDue(7, 25, LEASE)).extracting(RepeatRequest::attempt).containsExactly(1);
    }

    @Test
    void aCancelledRequestIsNeverClaimed() {
        request("j-1", 7);
        recovery.deliver(RecoveryCancelled.of("w", 7, "j-1", "w:7:j-1", 1, "resolved manually"));

        assertThat(recovery.store.dueRecipes()).isEmpty();
        assertThat(recovery.store.claimDue(7, 25, LEASE)).isEmpty();
        assertThat(recovery.eventLines()).containsExactly("RepeatCancelled w:7:j-1#1: resolved manually");
    }

    @Test
    void aChangeOfSeveralStatementsRefusesToRunOutsideTheDecidersTransaction() {
        assertThatThrownBy(() -> recovery.store.cancel("w:7:j-1", 1, "resolved"))
                .isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> recovery.store.settleCoveredBySuccess("w:7:j-1"))
                .isInstanceOf(IllegalStateException.class);
        assertThat(recovery.jdbc.queryForObject("SELECT count(*) FROM repeat_cancellation", Integer.class)).isZero();
    }

    private RepeatStore.Turn turn(List<RepeatRequest> claim) {
        return recovery.store.takeCallTurn(claim, claim.get(0).claimToken(), Duration.ZERO, LEASE, LEASE);
    }

    private void request(String job, long recipe) {
        recovery.deliver(RecoveryRequested.of("w", recipe, job, "w:" + recipe + ":" + job, 1));
    }
}
