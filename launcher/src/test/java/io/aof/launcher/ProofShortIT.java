package io.aof.launcher;

import org.junit.jupiter.api.Test;

import java.io.File;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The short proof inside {@code ./mvnw verify}: the suite as separate processes (PostgreSQL, a KRaft broker,
 * the simulator and the five services, each its own process, as {@code ./aof up} runs them), a few hundred
 * failures polled and pushed, one kill -9 of recovery while its repeat_jobs call is in flight, one kill -9 of
 * the broker (collation killed meanwhile, with webhook failures in its outbox), poison on the webhook and on
 * Kafka, a recipe stopped by Workato, a 5 MB polled error;
 * then every invariant checked against the simulator's records ({@link ProofRun}). Its own ports
 * (27000..27040) and state folder ({@code target/proof-short}), so it never meets a running {@code ./aof up} or
 * {@code ./aof prove}.
 */
class ProofShortIT {

    @Test
    void nothingLostNothingDoubledAcrossAKillMidCallAndABrokerRestart() throws Exception {
        Path launcherModule = Path.of("").toAbsolutePath();
        Path root = launcherModule.getParent();
        ProofOptions options = ProofOptions.parse(new String[]{"--short", "--port-base", "27000",
                "--state", "launcher/target/proof-short"}, root);
        String brokerClasspath = launcherModule.resolve("target/lib") + File.separator + "*";

        int violated = ProofRun.prove(root, options, brokerClasspath);

        assertThat(violated).as("invariants violated (the table and the violations are in this test's output)")
                .isZero();
    }
}
