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

    @Test
    void aBodyTheTestAcceptsIsReadOnToTheLargerLimitAndAnyOtherStopsAtTheSmallerOne() throws Exception {
        java.util.function.Predicate<byte[]> array = head -> head[0] == '[';

        assertThat(BoundedBody.read(-1, stream(30, '['), 10, 30, array)).hasValueSatisfying(b ->
                assertThat(b).hasSize(30));
        assertThat(BoundedBody.read(-1, stream(31, '['), 10, 30, array)).isEmpty();
        assertThat(BoundedBody.read(-1, stream(11, '{'), 10, 30, array)).isEmpty();
        assertThat(BoundedBody.read(-1, stream(10, '{'), 10, 30, array)).hasValueSatisfying(b ->
                assertThat(b).hasSize(10));
        assertThat(BoundedBody.read(31, stream(1, '['), 10, 30, array)).isEmpty();   // declared too large
    }

    private static InputStream stream(int n, char first) {
        byte[] b = new byte[n];
        b[0] = (byte) first;
        return new ByteArrayInputStream(b);
    }

    private static InputStream stream(int n) {
        return new ByteArrayInputStream(new byte[n]);
    }
}
