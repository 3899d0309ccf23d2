package io.aof.recovery.repeat;

import java.time.Instant;
import java.util.UUID;

/**
 * A row of {@code repeat_request}. {@code previousState} is the state it had
 * when it was claimed: CALLING means an earlier call's answer is unknown.
 * {@code claimToken} is the fence of the claim that returned it: only the holder
 * of the row's current token may send it. {@code overdue}: accepted longer ago
 * than the outcome deadline, on the database's clock.
 */
record RepeatRequest(String incidentId, int attempt, String workspace, long recipeId, String jobId,
                     RepeatState previousState, Instant requestedAt, Instant callStartedAt, Instant acceptedAt,
                     String repeatJobId, UUID claimToken, boolean overdue) {
}
