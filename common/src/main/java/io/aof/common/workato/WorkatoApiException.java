package io.aof.common.workato;

import java.time.Duration;

/**
 * A Workato API call that did not succeed. {@link #kind()} tells the caller what
 * it may assume: for {@link Kind#UNREACHABLE}, {@link Kind#RATE_LIMITED} and
 * {@link Kind#CLIENT_ERROR} the request had no effect; for {@link Kind#TIMEOUT}
 * and {@link Kind#SERVER_ERROR} it may have had one (a repeat may have been
 * enqueued), so a careful caller reconciles before sending it again.
 * Messages never contain the API token.
 */
public class WorkatoApiException extends RuntimeException {

    /**
     * {@code RATE_LIMITED}: Workato answered 429, or this client's own share of the
     * budget is used up; {@code CIRCUIT_OPEN}: the breaker refused the call.
     */
    public enum Kind { UNREACHABLE, TIMEOUT, RATE_LIMITED, CIRCUIT_OPEN, SERVER_ERROR, CLIENT_ERROR, BAD_RESPONSE }

    private final Kind kind;
    private final int status;
    private final Duration retryAfter;

    public WorkatoApiException(Kind kind, int status, Duration retryAfter, String message, Throwable cause) {
        super(message, cause);
        this.kind = kind;
        this.status = status;
        this.retryAfter = retryAfter;
    }

    public Kind kind() {
        return kind;
    }

    /** HTTP status, or 0 when no answer came. */
    public int status() {
        return status;
    }

    /** Workato's {@code Retry-After} on a 429, else null. */
    public Duration retryAfter() {
        return retryAfter;
    }

    /** Failures that say the API is in trouble (they count for the circuit breaker). */
    public boolean isApiTrouble() {
        return kind == Kind.UNREACHABLE || kind == Kind.TIMEOUT || kind == Kind.SERVER_ERROR
                || kind == Kind.BAD_RESPONSE;
    }

    /** False when the call certainly had no effect on Workato's side. */
    public boolean mayHaveTakenEffect() {
        return kind == Kind.TIMEOUT || kind == Kind.SERVER_ERROR || kind == Kind.BAD_RESPONSE;
    }
}
