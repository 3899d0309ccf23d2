package io.aof.common.workato;

import io.aof.common.events.NotificationRequested;
import io.aof.common.events.NotificationRequested.Kind;
import io.aof.common.events.Topics;
import io.aof.common.messaging.AofProperties;
import io.aof.common.messaging.Outbox;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.core.env.Environment;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.transaction.support.TransactionTemplate;

import java.time.Duration;
import java.time.Instant;

/**
 * AOF's own trouble: when this service's Workato circuit breaker has been open
 * (or probing) for longer than {@code aof.workato.escalate-after}, the super
 * admin is told ({@code AOF_TROUBLE}); when it closes again, the same thread is
 * told it recovered. Each instance watches its own breaker.
 */
public class BreakerWatch {

    private static final Logger log = LoggerFactory.getLogger(BreakerWatch.class);

    private final WorkatoClient client;
    private final Outbox outbox;
    private final TransactionTemplate tx;
    private final String workspace;
    private final String service;
    private final Duration escalateAfter;
    private Instant troubledSince;
    private String troubleId;

    public BreakerWatch(WorkatoClient client, Outbox outbox, TransactionTemplate tx, String workspace, String service,
                        Duration escalateAfter) {
        this.client = client;
        this.outbox = outbox;
        this.tx = tx;
        this.workspace = workspace;
        this.service = service;
        this.escalateAfter = escalateAfter;
    }

    /**
     * The watch of a service that calls Workato, declared by that service (collation, recovery) so that whoever
     * reads its application class sees it runs: escalation after {@code aof.workato.escalate-after}, alerts in
     * the name of {@code spring.application.name}.
     */
    public static BreakerWatch forService(WorkatoClient client, Outbox outbox, TransactionTemplate tx,
                                          AofProperties aof, WorkatoProperties workato, Environment env) {
        return new BreakerWatch(client, outbox, tx, aof.workspace(), WorkatoClientConfiguration.serviceName(env),
                workato.escalateAfter());
    }

    @Scheduled(fixedDelayString = "${aof.workato.watch-interval:15s}", initialDelayString = "15s")
    public void check() {
        try {
            check(client.breakerState(), client.clock().instant());
        } catch (RuntimeException e) {
            log.warn("Breaker watch failed; it looks again later: {}", e.toString());
        }
    }

    synchronized void check(CircuitBreaker.State state, Instant now) {
        boolean troubled = state == CircuitBreaker.State.OPEN || state == CircuitBreaker.State.HALF_OPEN
                || state == CircuitBreaker.State.FORCED_OPEN;
        if (troubled) {
            if (troubledSince == null) {
                troubledSince = now;
            }
            if (troubleId == null && !now.isBefore(troubledSince.plus(escalateAfter))) {
                troubleId = "aof:" + service + ":workato-api:" + troubledSince.getEpochSecond();
                tell(NotificationRequested.trouble(workspace, troubleId, Kind.AOF_TROUBLE, "Workato API unreachable from " + service + " since " + troubledSince,
                        "The circuit breaker around the Workato API has been " + state + " for "
                                + Duration.between(troubledSince, now).toMinutes() + " min: failures are not "
                                + "collected or repeated meanwhile (nothing is lost; they are picked up after)."));
                log.error("Workato API unreachable since {}: the super admin is told", troubledSince);
            }
        } else if (state == CircuitBreaker.State.CLOSED) {
            if (troubleId != null) {
                tell(NotificationRequested.trouble(workspace, troubleId, Kind.RECOVERED, "Workato API reachable again from " + service,
                        "After " + Duration.between(troubledSince, now).toMinutes() + " min."));
            }
            troubledSince = null;
            troubleId = null;
        }
    }

    /** Queues the notification (the outbox needs a transaction). */
    protected void tell(NotificationRequested n) {
        tx.executeWithoutResult(s -> outbox.append(Topics.NOTIFICATION_REQUESTS, n));
    }
}
