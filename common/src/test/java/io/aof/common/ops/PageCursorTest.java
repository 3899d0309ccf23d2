package io.aof.common.ops;

import org.junit.jupiter.api.Test;
import org.springframework.web.ErrorResponseException;

import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PageCursorTest {

    @Test
    void aCursorGivenOutComesBackAsItWas() {
        Instant at = Instant.parse("2026-11-27T10:00:00.123456Z");
        assertThat(PageCursor.parse(new PageCursor(at, "w:7:j-a|b").encode())).isEqualTo(new PageCursor(at, "w:7:j-a|b"));
        assertThat(PageCursor.parse(new PageCursor(at, 42L).encode()).longKey()).isEqualTo(42L);
    }

    @Test
    void anythingElseIsABadRequest() {
        for (String bad : new String[] {"not base64 !", "bm8gc2VwYXJhdG9y", "eHx5"}) {
            assertThatThrownBy(() -> PageCursor.parse(bad)).as(bad).isInstanceOfSatisfying(
                    ErrorResponseException.class, e -> assertThat(e.getStatusCode().value()).isEqualTo(400));
        }
        PageCursor notANumber = new PageCursor(Instant.EPOCH, "x");
        assertThatThrownBy(notANumber::longKey).isInstanceOfSatisfying(ErrorResponseException.class,
                e -> assertThat(e.getStatusCode().value()).isEqualTo(400));
    }
}
