package io.aof.recovery.repeat;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

import java.time.Clock;
import java.time.Duration;

/**
 * Tests of one recovery instance, without Spring's web or Kafka, on a fresh schema of the shared PostgreSQL and
 * against a real HTTP fake of Workato's API; a call lease of 2 s. The instance's clock is the system's unless a
 * test class gives its own ({@link #clock()}).
 */
abstract class OneRecoveryInstance {

    FakeWorkato workato;
    RecoveryInstance recovery;

    @BeforeEach
    void startRecovery() throws Exception {
        workato = new FakeWorkato();
        recovery = new RecoveryInstance(RecoveryInstance.newSchema(), workato.baseUrl(),
                RecoveryInstance.props(Duration.ofSeconds(2)), clock(), RecoveryInstance.RESILIENCE);
    }

    /** The clock of the instance's events and of its worker's own pauses. */
    Clock clock() {
        return Clock.systemUTC();
    }

    @AfterEach
    void stopRecovery() {
        recovery.close();
        workato.close();
    }
}
