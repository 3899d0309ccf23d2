package io.aof.notifier;

import java.time.Duration;

/** A channel could not deliver now; {@code retryAfter} is the channel's own hint (Slack's Retry-After), if any. */
class DeliveryException extends RuntimeException {

    final Duration retryAfter;

    DeliveryException(String message, Duration retryAfter) {
        super(message);
        this.retryAfter = retryAfter;
    }
}
