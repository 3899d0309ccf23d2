package io.aof.common.ops;

import java.io.IOException;
import java.io.InputStream;
import java.util.Optional;

/**
 * A request body read up to a limit and no further, so a huge or endless body costs nothing: refused at once
 * when its declared length is over the limit, else read to one byte past it.
 */
public final class BoundedBody {

    /**
     * The body, or empty when it holds more than {@code maxBytes}.
     *
     * @param declaredLength the request's Content-Length, or -1 when it has none (chunked)
     */
    public static Optional<byte[]> read(long declaredLength, InputStream in, int maxBytes) throws IOException {
        if (declaredLength > maxBytes) {
            return Optional.empty();
        }
        try (in) {
            byte[] raw = in.readNBytes(maxBytes + 1);
            return raw.length > maxBytes ? Optional.empty() : Optional.of(raw);
        }
    }

    /**
     * As {@link #read(long, InputStream, int)}, but a body whose first {@code maxBytes + 1} bytes {@code mayGrow}
     * accepts (a batch, say) is read on up to {@code largerMaxBytes}: a large body of the other kind costs no
     * more than with the smaller limit alone.
     */
    public static Optional<byte[]> read(long declaredLength, InputStream in, int maxBytes, int largerMaxBytes,
                                        java.util.function.Predicate<byte[]> mayGrow) throws IOException {
        if (declaredLength > Math.max(maxBytes, largerMaxBytes)) {
            return Optional.empty();
        }
        try (in) {
            byte[] head = in.readNBytes(maxBytes + 1);
            if (head.length <= maxBytes) {
                return Optional.of(head);
            }
            if (largerMaxBytes <= maxBytes || !mayGrow.test(head)) {
                return Optional.empty();
            }
            byte[] rest = in.readNBytes(largerMaxBytes + 1 - head.length);
            if (head.length + rest.length > largerMaxBytes) {
                return Optional.empty();
            }
            byte[] all = java.util.Arrays.copyOf(head, head.length + rest.length);
            System.arraycopy(rest, 0, all, head.length, rest.length);
            return Optional.of(all);
        }
    }

    private BoundedBody() {
    }
}
