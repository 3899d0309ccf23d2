package io.aof.recovery;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

import java.time.Duration;

/**
 * {@code aof.recovery.*}.
 *
 * @param workInterval     how often due repeats are sent
 * @param watchInterval    how often accepted repeats are looked up
 * @param callLease        how long a claim owns its rows, from the claim and again from its call turn (the fence);
 *                         past it another instance may claim them. Must outlast a call (checked at start)
 * @param reconcileAfter   wait before reconciling a call whose answer is unknown (timeout, 5xx, crash)
 * @param unreachableBackoff wait before calling again when Workato could not be reached
 * @param outcomeDeadline  a repeat not finished this long after it was accepted is reported TIMED_OUT
 * @param clockSkew        tolerance between our clock and Workato's when matching a repeat job to its call
 * @param batchSize        job ids per repeat_jobs call (Workato takes at most 25; 1 is the one-per-call baseline)
 * @param repeatCallGap    least time between two repeat_jobs calls (Workato allows one a second)
 */
@ConfigurationProperties("aof.recovery")
public record RecoveryProperties(
        @DefaultValue("100ms") Duration workInterval,
        @DefaultValue("5s") Duration watchInterval,
        @DefaultValue("2m") Duration callLease,
        @DefaultValue("30s") Duration reconcileAfter,
        @DefaultValue("15s") Duration unreachableBackoff,
        @DefaultValue("30m") Duration outcomeDeadline,
        @DefaultValue("2m") Duration clockSkew,
        @DefaultValue("25") int batchSize,
        @DefaultValue("1020ms") Duration repeatCallGap) {

    public RecoveryProperties {
        if (batchSize < 1 || batchSize > 25) {
            throw new IllegalArgumentException("aof.recovery.batch-size must be between 1 and 25, was " + batchSize);
        }
    }
}
