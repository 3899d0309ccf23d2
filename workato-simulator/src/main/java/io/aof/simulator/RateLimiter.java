package io.aof.simulator;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * A sliding-window limit like Workato's: at most {@code limit} calls per
 * {@code window}. A refused call learns how long to wait ({@code Retry-After}).
 */
final class RateLimiter {

    private final int limit;
    private final long windowNanos;
    private final Deque<Long> calls = new ArrayDeque<>();

    RateLimiter(int limit, Duration window) {
        this.limit = limit;
        this.windowNanos = window.toNanos();
    }

    /** Returns 0 when the call may go ahead (and counts it), else the seconds to wait. */
    synchronized long tryAcquire() {
        long now = System.nanoTime();
        while (!calls.isEmpty() && now - calls.peekFirst() >= windowNanos) {
            calls.pollFirst();
        }
        if (limit <= 0 || calls.size() < limit) {
            calls.addLast(now);
            return 0;
        }
        long waitNanos = windowNanos - (now - calls.peekFirst());
        return Math.max(1, (waitNanos + 999_999_999L) / 1_000_000_000L);
    }
}
