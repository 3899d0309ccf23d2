package io.aof.collation.webhook;

import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * How many webhook requests with wrong or no credentials each client address
 * sent in its current window (a window starts with the address's first refused
 * request and lasts {@code window}). Only refused requests spend it, so a source
 * that authenticates never does, whatever address it sends from.
 *
 * <p>At most {@code maxAddresses} addresses are followed: when that many are, the
 * windows that are over are dropped, and if that frees nothing a new address
 * counts as over its budget (a flood from that many addresses at once gets 429
 * for signed requests rather than unbounded memory; bearer tokens still pass).
 */
final class RefusedBudget {

    static final int MAX_ADDRESSES = 10_000;

    private record Window(long startNanos, int refused) {
    }

    private final int perWindow;
    private final long windowNanos;
    private final int maxAddresses;
    private final LongSupplier nanoTime;
    private final ConcurrentHashMap<String, Window> windows = new ConcurrentHashMap<>();
    /** When the windows were last swept: at most one sweep a second, however many new addresses come. */
    private volatile long lastSweep;

    RefusedBudget(int perWindow, Duration window, int maxAddresses) {
        this(perWindow, window, maxAddresses, System::nanoTime);
    }

    RefusedBudget(int perWindow, Duration window, int maxAddresses, LongSupplier nanoTime) {
        this.perWindow = perWindow;
        this.windowNanos = window.toNanos();
        this.maxAddresses = maxAddresses;
        this.nanoTime = nanoTime;
        this.lastSweep = nanoTime.getAsLong() - 1_000_000_000L;
    }

    /** True when this address has used up its refused requests in its current window (nothing is spent). */
    boolean exhausted(String address) {
        Window w = windows.get(address);
        if (w == null) {
            return windows.size() >= maxAddresses && !makeRoom();
        }
        return nanoTime.getAsLong() - w.startNanos() < windowNanos && w.refused() >= perWindow;
    }

    /** Spends one refused request of this address; false when it had none left (then it gets 429). */
    boolean spend(String address) {
        if (!windows.containsKey(address) && windows.size() >= maxAddresses && !makeRoom()) {
            return false;
        }
        long now = nanoTime.getAsLong();
        Window w = windows.compute(address, (a, old) -> old == null || now - old.startNanos() >= windowNanos
                ? new Window(now, 1) : new Window(old.startNanos(), Math.min(old.refused() + 1, perWindow + 1)));
        return w.refused() <= perWindow;
    }

    /** Drops the windows that are over (at most once a second); true when there is room for another address. */
    private boolean makeRoom() {
        long now = nanoTime.getAsLong();
        if (now - lastSweep >= 1_000_000_000L) {
            lastSweep = now;
            windows.values().removeIf(w -> now - w.startNanos() >= windowNanos);
        }
        return windows.size() < maxAddresses;
    }

    int addresses() {
        return windows.size();
    }
}
