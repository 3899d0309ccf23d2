package io.aof.recovery;

import java.time.Instant;

/**
 * A row of {@code repeat_request}. {@code previousState} is the state it had
 * when it was claimed: CALLING means an earlier call's answer is unknown.
 */
record RepeatRequest(String incidentId, int attempt, String workspace, long recipeId, String jobId,
                     String previousState, Instant requestedAt, Instant callStartedAt, Instant acceptedAt,
                     String repeatJobId) {
}
