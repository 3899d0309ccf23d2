package io.aof.common.workato;

import io.aof.common.events.NotificationRequested;
import io.aof.common.events.NotificationRequested.Audience;
import io.aof.common.events.NotificationRequested.Kind;
import io.github.resilience4j.circuitbreaker.CircuitBreaker.State;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class BreakerWatchTest {

    final List<NotificationRequested> told = new ArrayList<>();
    final BreakerWatch watch = new BreakerWatch(null, null, null, "acme", "recovery-service",
            Duration.ofMinutes(10)) {
        @Override
        protected void tell(NotificationRequested n) {
            told.add(n);
        }
    };

    @Test
    void theSuperAdminIsToldOnceWhenTheBreakerStaysOpenAndOnceWhenItCloses() {
        Instant t0 = Instant.parse("2026-11-26T01:00:00Z");
        watch.check(State.OPEN, t0);
        watch.check(State.HALF_OPEN, t0.plus(Duration.ofMinutes(5)));   // probing, still failing
        watch.check(State.OPEN, t0.plus(Duration.ofMinutes(9)));
        assertThat(told).isEmpty();

        watch.check(State.OPEN, t0.plus(Duration.ofMinutes(10)));
        watch.check(State.OPEN, t0.plus(Duration.ofMinutes(11)));
        assertThat(told).hasSize(1);
        NotificationRequested trouble = told.get(0);
        assertThat(trouble.kind()).isEqualTo(Kind.AOF_TROUBLE);
        assertThat(trouble.audience()).isEqualTo(Audience.SUPER_ADMIN);
        assertThat(trouble.incidentId()).isEqualTo("aof:recovery-service:workato-api:" + t0.getEpochSecond());
        assertThat(trouble.title()).isEqualTo("Workato API unreachable from recovery-service since " + t0);

        watch.check(State.CLOSED, t0.plus(Duration.ofMinutes(20)));
        watch.check(State.CLOSED, t0.plus(Duration.ofMinutes(21)));
        assertThat(told).hasSize(2);
        assertThat(told.get(1).kind()).isEqualTo(Kind.RECOVERED);
        assertThat(told.get(1).incidentId()).isEqualTo(trouble.incidentId());
    }

    @Test
    void aShortOutageTellsNobody() {
        Instant t0 = Instant.parse("2026-11-26T01:00:00Z");
        watch.check(State.OPEN, t0);
        watch.check(State.CLOSED, t0.plus(Duration.ofMinutes(3)));
        watch.check(State.OPEN, t0.plus(Duration.ofMinutes(4)));
        watch.check(State.OPEN, t0.plus(Duration.ofMinutes(13)));
        assertThat(told).isEmpty();   // the clock restarted when it closed
    }
}
