package io.aof.logger.deadletter;

import io.aof.common.events.NotificationRequested.Kind;
import io.aof.common.events.NotificationRequested;
import io.aof.common.events.Topics;
import io.aof.common.messaging.AofProperties;
import io.aof.common.messaging.Outbox;
import io.aof.logger.LoggerProperties;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * AOF's own trouble: records refused into dead-letter topics. When new dead
 * letters arrived since the last look, the super admin is told
 * ({@code AOF_TROUBLE}) with the counts per topic of the last hour, at most once
 * per {@code aof.logger.dead-letters.quiet-period}; the dedup key is that period,
 * so several logger instances tell once.
 */
@Component
class DeadLetterWatch {

    private static final Logger log = LoggerFactory.getLogger(DeadLetterWatch.class);

    private final DeadLetterStore deadLetters;
    private final TransactionTemplate tx;
    private final Outbox outbox;
    private final String workspace;
    private final Duration quietPeriod;
    private Instant lastLook = Instant.now();

    DeadLetterWatch(DeadLetterStore deadLetters, TransactionTemplate tx, Outbox outbox, AofProperties aof,
                    LoggerProperties props) {
        this.deadLetters = deadLetters;
        this.tx = tx;
        this.outbox = outbox;
        this.workspace = aof.workspace();
        this.quietPeriod = props.deadLetters().quietPeriod();
    }

    @Scheduled(fixedDelayString = "${aof.logger.dead-letters.check-interval:1m}",
            initialDelayString = "${aof.logger.dead-letters.check-interval:1m}")
    void scheduled() {
        try {
            look(Instant.now());
        } catch (RuntimeException e) {
            log.warn("Dead-letter watch failed; it looks again later: {}", e.toString());
        }
    }

    /**
     * Tells the super admin if dead letters arrived since the last look; returns whether it did. The next look
     * starts at {@code now} only once this one has counted them and its alert is stored: a look that fails (the
     * database down) leaves the start where it was, so the dead letters it could not count are told next time.
     */
    boolean look(Instant now) {
        int fresh = deadLetters.countStoredSince(lastLook);
        if (fresh == 0) {
            lastLook = now;
            return false;
        }
        List<DeadLetterStore.TopicCount> byTopic = deadLetters.countsOfTheLastHour();
        StringBuilder detail = new StringBuilder(fresh + " new record(s) were refused into dead-letter topics "
                + "(undecodable, invalid, or failing after retries for another reason than the infrastructure); "
                + "last hour:");
        byTopic.forEach(t -> detail.append("\n").append(t.topic()).append(": ").append(t.count()));
        detail.append("\nSee GET /api/dead-letters on the logger; after a fix, POST /api/dead-letters/redrive "
                + "republishes them to their topic.");
        long bucket = now.getEpochSecond() / Math.max(1, quietPeriod.toSeconds());
        String troubleId = "aof:dead-letters:" + bucket;
        tx.executeWithoutResult(s -> outbox.append(Topics.NOTIFICATION_REQUESTS, NotificationRequested.trouble(
                workspace, troubleId, Kind.AOF_TROUBLE, "Dead letters are piling up", detail.toString())));
        lastLook = now;
        log.warn("{} new dead letter(s); the super admin is told (at most once per {})", fresh, quietPeriod);
        return true;
    }
}
