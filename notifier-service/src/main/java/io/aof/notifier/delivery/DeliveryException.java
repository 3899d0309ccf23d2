package io.aof.notifier.delivery;

import io.aof.common.text.ExternalText;

import java.time.Duration;

/**
 * A channel did not deliver. Its {@link Fault} says what that means: try this row again later
 * ({@code retryAfter} is the channel's own hint, Slack's Retry-After, if any); never (this destination can
 * not take this row: it is failed for good and the destination moves on); or not until someone fixes the
 * channel's credentials (nothing can go through it: rows wait, the channel pauses, the admin is told).
 * The message may carry what the channel answered: it is cleaned ({@link ExternalText#error}) here, where it
 * enters AOF. {@code reason} is a short tag from a fixed list (metric tag, admin alert), never outside text.
 */
class DeliveryException extends RuntimeException {

    enum Fault {
        /** Down, rate limited, unreachable, an answer not understood: tried again later. */
        TRANSIENT,
        /** This destination can never take this row (channel gone, message refused): failed for good. */
        PERMANENT,
        /** The channel's own credentials are refused (Slack token revoked, SMTP login): nothing can go. */
        CREDENTIALS
    }

    final Duration retryAfter;
    final Fault fault;
    final String reason;
    /** Whether the super admin should hear of it: not when nobody can do anything (an old message not editable). */
    final boolean tellAdmin;
    /** Whether the message may have gone all the same (no answer: a timeout, a connection lost mid-call). */
    final boolean maybeDelivered;

    DeliveryException(String message, Duration retryAfter) {
        this(Fault.TRANSIENT, "transient", message, retryAfter, false, false);
    }

    private DeliveryException(Fault fault, String reason, String message, Duration retryAfter, boolean tellAdmin) {
        this(fault, reason, message, retryAfter, tellAdmin, false);
    }

    private DeliveryException(Fault fault, String reason, String message, Duration retryAfter, boolean tellAdmin,
                              boolean maybeDelivered) {
        super(ExternalText.error(message));
        this.fault = fault;
        this.reason = reason;
        this.retryAfter = retryAfter;
        this.tellAdmin = tellAdmin;
        this.maybeDelivered = maybeDelivered;
    }

    /** No answer: tried again later, after asking the channel whether it took the message all the same. */
    static DeliveryException noAnswer(String message) {
        return new DeliveryException(Fault.TRANSIENT, "transient", message, null, false, true);
    }

    static DeliveryException permanent(String reason, String message) {
        return new DeliveryException(Fault.PERMANENT, reason, message, null, true);
    }

    /** Failed for good, but nothing anyone needs to fix: counted and logged, the admin is not alerted. */
    static DeliveryException permanentQuietly(String reason, String message) {
        return new DeliveryException(Fault.PERMANENT, reason, message, null, false);
    }

    static DeliveryException credentials(String reason, String message) {
        return new DeliveryException(Fault.CREDENTIALS, reason, message, null, true);
    }

    boolean permanent() {
        return fault == Fault.PERMANENT;
    }
}
