package io.aof.simulator;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A dialed-in slow endpoint: the next {@code times} calls of it wait {@code millis} before Workato acts on
 * them (a call that Workato takes its time over; the caller may die meanwhile, and the call still takes
 * effect, as a real server finishes a request whose client went away). Workato's own server-side timeout
 * is 40 s, so waits are capped there.
 */
public class Slowdown {

    private record Slow(long millis, int remaining) {
    }

    private final Map<String, Slow> slow = new LinkedHashMap<>();
    private final Map<String, Integer> inFlight = new LinkedHashMap<>();

    public synchronized void set(String endpoint, long millis, int times) {
        if (millis < 1 || millis > 40_000) {
            throw new IllegalArgumentException("millis must be between 1 and 40000 (Workato's server timeout)");
        }
        slow.put(endpoint, new Slow(millis, times <= 0 ? Integer.MAX_VALUE : times));
    }

    public synchronized void clear(String endpoint) {
        if (endpoint == null) {
            slow.clear();
        } else {
            slow.remove(endpoint);
        }
    }

    /** How long this call of {@code endpoint} waits (0: not slowed); counts it against the remaining times. */
    synchronized long take(String endpoint) {
        Slow s = slow.get(endpoint);
        if (s == null) {
            return 0;
        }
        if (s.remaining() <= 1) {
            slow.remove(endpoint);
        } else if (s.remaining() != Integer.MAX_VALUE) {
            slow.put(endpoint, new Slow(s.millis(), s.remaining() - 1));
        }
        return s.millis();
    }

    synchronized void started(String endpoint) {
        inFlight.merge(endpoint, 1, Integer::sum);
    }

    synchronized void ended(String endpoint) {
        inFlight.merge(endpoint, -1, Integer::sum);
    }

    /** Calls of each endpoint being handled right now (a slowed call is in flight while it waits). */
    public synchronized Map<String, Integer> inFlight() {
        Map<String, Integer> m = new LinkedHashMap<>();
        inFlight.forEach((k, v) -> {
            if (v > 0) {
                m.put(k, v);
            }
        });
        return m;
    }
}
