package io.aof.recovery.repeat;

import io.aof.common.workato.WorkatoJob;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

class RepeatMatcherTest {

    private static final Instant CALL = Instant.parse("2026-11-25T10:00:00Z");

    @Test
    void findsTheOldestRepeatOfTheJobStartedSinceTheCallThatNoOtherAttemptOwns() {
        List<WorkatoJob> jobs = List.of(
                job("j-R3", "j-ORIG", CALL.plusSeconds(30)),
                job("j-R2", "j-ORIG", CALL.plusSeconds(2)),
                job("j-OTHER", "j-SOMETHING", CALL.plusSeconds(1)),
                job("j-R1", "j-ORIG", CALL.minusSeconds(600)));

        assertThat(RepeatMatcher.find(jobs, "j-ORIG", CALL, Duration.ofSeconds(60), Set.of()))
                .map(WorkatoJob::id).contains("j-R2");
        assertThat(RepeatMatcher.find(jobs, "j-ORIG", CALL, Duration.ofSeconds(60), Set.of("j-R2")))
                .map(WorkatoJob::id).contains("j-R3");
        assertThat(RepeatMatcher.find(jobs, "j-NONE", CALL, Duration.ofSeconds(60), Set.of())).isEmpty();
    }

    private static WorkatoJob job(String id, String master, Instant started) {
        return new WorkatoJob(id, id, 1L, 1L, "t", "succeeded", started, started.plusSeconds(1), false, false, null,
                master, true, null, null, null, null, null, null, null, null);
    }
}
