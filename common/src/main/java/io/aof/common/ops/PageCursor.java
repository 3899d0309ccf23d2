package io.aof.common.ops;

import org.springframework.http.HttpStatus;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;

/**
 * Where a page of a list that is newest first and keyset-paged on {@code (time, key)} ended: the {@code next}
 * a page gives out and the {@code after} the next request sends back, opaque to callers. Used by every such
 * list (incidents, the event log, dead letters).
 */
public record PageCursor(Instant at, String key) {

    public PageCursor(Instant at, long key) {
        this(at, Long.toString(key));
    }

    public String encode() {
        return Base64.getUrlEncoder().withoutPadding().encodeToString((at + "|" + key)
                .getBytes(StandardCharsets.UTF_8));
    }

    /** The key as a number, for lists keyed by a sequence; a 400 problem detail when it is not one. */
    public long longKey() {
        try {
            return Long.parseLong(key);
        } catch (NumberFormatException e) {
            throw invalid();
        }
    }

    /** The cursor in {@code after}; a 400 problem detail when it is none this API gave out. */
    public static PageCursor parse(String after) {
        try {
            String[] parts = new String(Base64.getUrlDecoder().decode(after), StandardCharsets.UTF_8).split("\\|", 2);
            return new PageCursor(Instant.parse(parts[0]), parts[1]);
        } catch (RuntimeException e) {
            throw invalid();
        }
    }

    private static RuntimeException invalid() {
        return Problems.of(HttpStatus.BAD_REQUEST, "after is not a cursor this API gave out");
    }
}
