package io.aof.simulator;

import java.time.Instant;

/** A dialed-in API outage: until it ends, every Workato API call answers {@code status}. */
public class Outage {

    private int status;
    private Instant until = Instant.EPOCH;

    public synchronized void start(int status, long seconds) {
        this.status = status;
        this.until = Instant.now().plusSeconds(seconds);
    }

    public synchronized void end() {
        until = Instant.EPOCH;
    }

    synchronized long secondsLeft() {
        return Math.max(1, (java.time.Duration.between(Instant.now(), until).toMillis() + 999) / 1000);
    }

    /** The status to answer now, or 0 when the API is up. */
    synchronized int current() {
        return Instant.now().isBefore(until) ? status : 0;
    }
}
