package io.aof.notifier;

import io.aof.common.events.AofEvent;
import io.aof.common.events.EventCodec;
import io.aof.common.events.NotificationEvent;
import io.aof.common.events.NotificationRequested;
import io.aof.common.events.Topics;
import io.aof.common.messaging.Outbox;
import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * Sends stored notifications and retries the ones that fail, with exponential
 * backoff (or Slack's {@code Retry-After}), until they are delivered. Rows are
 * taken with {@code FOR UPDATE SKIP LOCKED}, so instances share the work; every
 * delivery attempt is a {@code NotificationDelivered} or {@code NotificationFailed}
 * fact for the logger.
 */
@Component
class NotificationDispatcher {

    private static final Logger log = LoggerFactory.getLogger(NotificationDispatcher.class);

    private final JdbcTemplate jdbc;
    private final TransactionTemplate tx;
    private final Outbox outbox;
    private final SlackSender slack;
    private final NotifierProperties props;
    private final MeterRegistry meters;

    NotificationDispatcher(JdbcTemplate jdbc, TransactionTemplate tx, Outbox outbox, NotifierProperties props,
                           MeterRegistry meters) {
        this.jdbc = jdbc;
        this.tx = tx;
        this.outbox = outbox;
        this.slack = new SlackSender(props.slack());
        this.props = props;
        this.meters = meters;
    }

    @Scheduled(fixedDelayString = "${aof.notifier.dispatch-interval:1s}")
    void dispatch() {
        try {
            tx.executeWithoutResult(status -> {
                List<Pending> due = jdbc.query("SELECT id, channel, request, attempts FROM notification "
                                + "WHERE state = 'PENDING' AND next_try_at <= now() ORDER BY created_at LIMIT 20 "
                                + "FOR UPDATE SKIP LOCKED",
                        (rs, i) -> new Pending(rs.getObject(1, UUID.class), rs.getString(2), rs.getString(3),
                                rs.getInt(4)));
                due.forEach(this::send);
            });
        } catch (RuntimeException e) {
            log.warn("Notification round failed; notifications stay pending: {}", e.toString());
        }
    }

    private void send(Pending p) {
        NotificationRequested n = EventCodec.decode(Topics.NOTIFICATION_REQUESTS, p.request);
        int attempts = p.attempts + 1;
        try {
            String ts = slack.post(p.channel, SlackMessage.of(n, props.workatoAppUrl()));
            jdbc.update("UPDATE notification SET state = 'DELIVERED', attempts = ?, message_ts = ?, "
                    + "delivered_at = now(), last_error = NULL WHERE id = ?", attempts, ts, p.id);
            outbox.append(Topics.NOTIFICATION_EVENTS, new NotificationEvent.NotificationDelivered(UUID.randomUUID(),
                    Instant.now(), AofEvent.SCHEMA_VERSION, n.workspace(), n.recipeId(), n.jobId(), n.incidentId(),
                    n.attempt(), n.eventId(), "slack:" + p.channel, ts, attempts));
            meters.counter("aof.notifications", "channel", "slack", "audience", n.audience().name(),
                    "outcome", "delivered").increment();
        } catch (SlackSender.DeliveryException e) {
            Duration backoff = e.retryAfter != null ? e.retryAfter : backoff(attempts);
            Instant next = Instant.now().plus(backoff);
            jdbc.update("UPDATE notification SET attempts = ?, next_try_at = ?, last_error = ? WHERE id = ?",
                    attempts, Timestamp.from(next), e.getMessage(), p.id);
            outbox.append(Topics.NOTIFICATION_EVENTS, new NotificationEvent.NotificationFailed(UUID.randomUUID(),
                    Instant.now(), AofEvent.SCHEMA_VERSION, n.workspace(), n.recipeId(), n.jobId(), n.incidentId(),
                    n.attempt(), n.eventId(), "slack:" + p.channel, e.getMessage(), attempts, next));
            meters.counter("aof.notifications", "channel", "slack", "audience", n.audience().name(),
                    "outcome", "failed").increment();
            log.warn("Slack delivery to {} failed (try {}), next try in {}: {}", p.channel, attempts, backoff,
                    e.getMessage());
        }
    }

    private Duration backoff(int attempts) {
        long seconds = 1L << Math.min(attempts, 16);
        Duration d = Duration.ofSeconds(seconds);
        return d.compareTo(props.maxBackoff()) > 0 ? props.maxBackoff() : d;
    }

    private record Pending(UUID id, String channel, String request, int attempts) {
    }
}
