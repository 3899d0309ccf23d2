package io.aof.logger;

import io.aof.common.ops.Problems;
import org.springframework.http.HttpStatus;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;

/**
 * Where a page of the event log (newest first, keyset-paged on {@code (occurred_at, id)}) ended: the
 * {@code next} a page gives out and the {@code after} the next request sends back, opaque to callers.
 */
record KeysetCursor(Instant occurredAt, long id) {

    String encode() {
        return Base64.getUrlEncoder().withoutPadding().encodeToString((occurredAt + "|" + id)
                .getBytes(StandardCharsets.UTF_8));
    }

    /** The cursor in {@code after}; a 400 problem detail when it is none this API gave out. */
    static KeysetCursor parse(String after) {
        try {
            String[] parts = new String(Base64.getUrlDecoder().decode(after), StandardCharsets.UTF_8).split("\\|");
            return new KeysetCursor(Instant.parse(parts[0]), Long.parseLong(parts[1]));
        } catch (RuntimeException e) {
            throw Problems.of(HttpStatus.BAD_REQUEST, "after is not a cursor this API gave out");
        }
    }
}
