package io.aof.orchestrator.incident;

import java.time.Duration;
import java.time.Instant;

/**
 * An outage of one upstream as stored in the orchestrator's schema: detected ({@code declaredBy} null) from
 * {@code failures} retryable failures of {@code recipes} recipes, or declared by an operator until {@code until}.
 * At most one is open (not {@code endedAt}) per workspace and upstream. While it is open a probe is due at
 * {@code nextProbeAt}, and {@code probeIncidentId}'s attempt {@code probeAttempt} is the probe in flight.
 * {@code alerted} are the figures (jobs/recipes/probes) its thread last showed, since {@code alertedAt}.
 */
record Outage(String id, String workspace, String upstream, String category, Instant openedAt, String declaredBy,
              String reason, Instant until, int failures, int recipes, int probes, Instant nextProbeAt,
              String probeIncidentId, Integer probeAttempt, Instant escalatedAt, Instant endedAt, String endedHow,
              String endedBy, AfterEnd afterEnd, int released, String alerted, Instant alertedAt) {

    /** What becomes of the held members when the outage ends. */
    enum AfterEnd {
        /** Scheduled, oldest first, attempt counters unchanged. */
        RELEASE,
        /** Exhausted (the outage lasted past its maximum and the policy gives up). */
        EXHAUST
    }

    boolean isOpen() {
        return endedAt == null;
    }

    boolean isDeclared() {
        return declaredBy != null;
    }

    Duration lasted(Instant now) {
        return Duration.between(openedAt, endedAt != null ? endedAt : now);
    }
}
