package io.aof.common.ops;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.InputStream;

import static org.assertj.core.api.Assertions.assertThat;

class BoundedBodyTest {

    @Test
    void aBodyUpToTheLimitIsReadOneOverItIsRefusedWhetherDeclaredOrChunked() throws Exception {
        assertThat(BoundedBody.read(10, stream(10), 10)).hasValueSatisfying(b -> assertThat(b).hasSize(10));
        assertThat(BoundedBody.read(-1, stream(10), 10)).isPresent();
        assertThat(BoundedBody.read(-1, stream(11), 10)).isEmpty();   // chunked: found by reading one byte past
        assertThat(BoundedBody.read(11, new InputStream() {
            @Override
            public int read() {
                throw new AssertionError("a body declared too large is refused before it is read");
            }
        }, 10)).isEmpty();
    }

    private static InputStream stream(int n) {
        return new ByteArrayInputStream(new byte[n]);
    }
}
