package io.aof.launcher;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The proof's own verdicts, without a suite: what counts as a violated invariant. */
class ProofRunTest {

    @Test
    void aFaultThatMissedItsConditionIsAViolationNotANote() {
        ProofRun.Fault hit = new ProofRun.Fault("kill -9 recovery during a repeat_jobs call", 1000);
        ProofRun.Fault missed = new ProofRun.Fault("kill -9 recovery (NO call was in flight)", 2000);
        missed.unmet = "recovery: no repeat_jobs call of it was in flight within 90 s (killed anyway)";

        assertThat(ProofRun.unmetFaults(List.of(hit))).isEmpty();
        assertThat(ProofRun.unmetFaults(List.of(hit, missed))).containsExactly(missed.unmet);
    }
}
