package io.aof.common.events;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class IncidentIdTest {

    @Test
    void anOriginalJobIsItsOwnIncident() {
        assertThat(IncidentId.of("acme", 42, "j-AAA", null)).isEqualTo("acme:42:j-AAA");
        assertThat(IncidentId.of("acme", 42, "j-AAA", "")).isEqualTo("acme:42:j-AAA");
    }

    @Test
    void aFailedRepeatBelongsToItsMastersIncident() {
        assertThat(IncidentId.of("acme", 42, "j-REPEAT2", "j-AAA")).isEqualTo("acme:42:j-AAA");
        assertThat(IncidentId.of("acme", 42, "j-REPEAT2", "j-AAA"))
                .isEqualTo(IncidentId.of("acme", 42, "j-AAA", null));
    }

    @Test
    void aJobIdIsRequired() {
        assertThatThrownBy(() -> IncidentId.of("acme", 42, null, null)).isInstanceOf(IllegalArgumentException.class);
    }
}
