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
 * <li>each open outage, locked {@code SKIP LOCKED} (several orchestrators never review one twice at once), is
 * reviewed ({@link Outages#review}: a declared window over, quiet, past its maximum, its thread's figures), a
 * probe that is no longer in flight is given up, and when a probe is due one held member (the one with the most
 * attempts left, then the oldest) is sent ({@link IncidentService#startProbe});</li>
 * <li>held members of ended outages are released, oldest first, each due {@link #SPACING} after the one before
 * (so the retry scheduler starts them in that order), in batches of {@link #BATCH} incidents locked
 * {@code SKIP LOCKED} in one transaction with their release.</li>
 * </ul>
 */
@Component
class OutageSweeps {

    private static final Logger log = LoggerFactory.getLogger(OutageSweeps.class);
    static final int BATCH = 100;
    static final Duration SPACING = Duration.ofMillis(1);

    private final OutageRepository outageRepository;
    private final Outages outages;
    private final IncidentService service;
    private final TransactionTemplate tx;
    private final AtomicInteger open = new AtomicInteger();

    OutageSweeps(OutageRepository outageRepository, Outages outages, IncidentService service, TransactionTemplate tx,
                 MeterRegistry meters) {
        this.outageRepository = outageRepository;
        this.outages = outages;
        this.service = service;
        this.tx = tx;
        Gauge.builder("aof.outages.open", open, AtomicInteger::get).description("outages of upstreams open now")
                .register(meters);
    }

    @Scheduled(fixedDelayString = "${aof.orchestrator.outages.sweep-interval:15s}", initialDelay = 5_000)
    void sweep() {
        try {
            reviewOpen();
            while (releaseBatch() == BATCH) {
                // the next batch
            }
            open.set(outageRepository.countOpen());
        } catch (RuntimeException e) {
            log.warn("Looking after outages failed; tried again next round: {}", e.toString());
        }
    }

    /** Reviews the open outages (and probes where due); returns how many probes were sent. */
    int reviewOpen() {
        Integer probes = tx.execute(s -> {
            int sent = 0;
            for (Outage o : outageRepository.lockOpen(BATCH)) {
                if (o.probeIncidentId() != null && !outageRepository.probeInFlight(o)) {
                    // resolved, cancelled or settled by another path: no answer will come from it
                    outages.probeLost(o);
                    o = outageRepository.find(o.id()).orElseThrow();
                }
                if (!outages.review(o)) {
                    continue;
                }
                boolean started = false;
                var candidate = outageRepository.lockProbeCandidate(o.id());
                if (candidate.isPresent()) {
                    started = service.startProbe(candidate.get(), o);
                }
                if (started) {
                    sent++;
                } else {
                    outages.probeLater(o);
                }
            }
            return sent;
        });
        return probes == null ? 0 : probes;
    }

    int releaseBatch() {
        Integer n = tx.execute(s -> {
            List<OutageRepository.Release> held = outageRepository.lockReleasable(BATCH);
            for (int k = 0; k < held.size(); k++) {
                OutageRepository.Release r = held.get(k);
                service.releaseHeld(r.incidentId(), r.afterEnd(), SPACING.multipliedBy(k));
            }
            return held.size();
        });
        return n == null ? 0 : n;
    }
}
