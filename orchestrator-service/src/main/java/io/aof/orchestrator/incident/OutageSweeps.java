package io.aof.orchestrator.incident;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Looks after open outages and their held members, every {@code aof.orchestrator.outages.sweep-interval}:
 * <ul>
 * <li>each open outage, in its own transaction and locked {@code SKIP LOCKED} (several orchestrators never review
 * one twice at once), is
 * reviewed ({@link Outages#review}: a declared window over, quiet, past its maximum, its thread's figures), a
 * probe that is no longer in flight is given up, and when a probe is due one held member (the one with the most
 * attempts left, then the oldest) is sent ({@link IncidentService#startProbe});</li>
 * <li>held members of ended outages are released, oldest first, each due {@link #SPACING} after the one before
 * across the round's batches (so the retry scheduler starts them in that order), in batches of {@link #BATCH}
 * incidents locked {@code SKIP LOCKED} in one transaction with their release.</li>
 * </ul>
 */
@Component
class OutageSweeps {

    private static final Logger log = LoggerFactory.getLogger(OutageSweeps.class);
    static final int BATCH = 100;
    static final Duration SPACING = Duration.ofMillis(1);

    private final OutageRepository outageRepository;
    private final OutageStore store;
    private final Outages outages;
    private final IncidentService service;
    private final TransactionTemplate tx;
    private final AtomicInteger open = new AtomicInteger();

    OutageSweeps(OutageRepository outageRepository, OutageStore store, Outages outages, IncidentService service,
                 TransactionTemplate tx, MeterRegistry meters) {
        this.outageRepository = outageRepository;
        this.store = store;
        this.outages = outages;
        this.service = service;
        this.tx = tx;
        Gauge.builder("aof.outages.open", open, AtomicInteger::get).description("outages of upstreams open now")
                .register(meters);
    }

    @Scheduled(fixedDelayString = "${aof.orchestrator.outages.sweep-interval:15s}", initialDelay = 5_000)
    void sweep() {
        reviewOpen();
        try {
            int released = 0;
            int n;
            do {
                n = releaseBatch(released);
                released += n;
            } while (n == BATCH);
        } catch (RuntimeException e) {
            log.warn("Releasing the held members of ended outages failed; tried again next round: {}", e.toString());
        }
        try {
            open.set((int) outageRepository.countByEndedAtIsNull());
        } catch (RuntimeException e) {
            log.debug("Could not count the open outages: {}", e.toString());
        }
    }

    /**
     * Reviews every open outage, each in its own transaction (one that fails is tried again next round and
     * stops neither the others nor the release), and probes where due; returns how many probes were sent.
     */
    int reviewOpen() {
        List<String> ids;
        try {
            ids = outageRepository.openIds();
        } catch (RuntimeException e) {
            log.warn("Could not list the open outages; tried again next round: {}", e.toString());
            return 0;
        }
        int sent = 0;
        for (String id : ids) {
            try {
                if (Boolean.TRUE.equals(tx.execute(s -> reviewOne(id)))) {
                    sent++;
                }
            } catch (RuntimeException e) {
                log.warn("Looking after outage {} failed; tried again next round: {}", id, e.toString());
            }
        }
        return sent;
    }

    /** One open outage, locked {@code SKIP LOCKED}: reviewed, and probed when due; true when a probe was sent. */
    private boolean reviewOne(String id) {
        Outage o = store.lockOpen(id).orElse(null);
        if (o == null) {
            return false;   // ended since the list, or another orchestrator looks after it now
        }
        if (o.probeIncidentId() != null && !store.probeInFlight(o)) {
            // resolved, cancelled or settled by another path: no answer will come from it
            outages.probeLost(o);
        }
        if (!outages.review(o)) {
            return false;
        }
        var candidate = store.lockProbeCandidate(o.id());
        if (candidate.isPresent() && service.startProbe(candidate.get(), o)) {
            return true;
        }
        outages.probeLater(o);
        return false;
    }

    /** One batch of held members of ended outages released, the first {@code before} {@link #SPACING}s on. */
    int releaseBatch(int before) {
        Integer n = tx.execute(s -> {
            List<OutageStore.Release> held = store.lockReleasable(BATCH);
            for (int k = 0; k < held.size(); k++) {
                OutageStore.Release r = held.get(k);
                service.releaseHeld(r.incidentId(), r.afterEnd(), SPACING.multipliedBy(before + k));
            }
            return held.size();
        });
        return n == null ? 0 : n;
    }

    int releaseBatch() {
        return releaseBatch(0);
    }
}
