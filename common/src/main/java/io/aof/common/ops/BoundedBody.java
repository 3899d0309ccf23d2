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

    private BoundedBody() {
    }
}
