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
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.mail.javamail.JavaMailSender;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
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
    private final Map<String, Channel> channels = new HashMap<>();
    private final NotifierProperties props;
    private final MeterRegistry meters;

    NotificationDispatcher(JdbcTemplate jdbc, TransactionTemplate tx, Outbox outbox, NotifierProperties props,
                           MeterRegistry meters, ObjectProvider<JavaMailSender> mail) {
        this.jdbc = jdbc;
        this.tx = tx;
        this.outbox = outbox;
        this.props = props;
        this.meters = meters;
        add(new SlackSender(props.slack(), props.workatoAppUrl()));
        JavaMailSender mailSender = mail.getIfAvailable();
        if (mailSender != null) {
            add(new EmailSender(mailSender, props.email().from(), props.workatoAppUrl()));
        } else if (props.email().anyRecipients()) {
            throw new IllegalStateException("aof.notifier.email recipients are set but no SMTP server is: "
                    + "set spring.mail.host (and spring.mail.port, username, password)");
        }
    }

    private void add(Channel channel) {
        channels.put(channel.kind(), channel);
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
        int colon = p.destination.indexOf(':');
        String kind = colon < 0 ? "slack" : p.destination.substring(0, colon);
        String target = p.destination.substring(colon + 1);
        try {
            Channel channel = channels.get(kind);
            if (channel == null) {
                throw new DeliveryException("no " + kind + " channel is configured", null);
            }
            String receipt = channel.deliver(target, n);
            jdbc.update("UPDATE notification SET state = 'DELIVERED', attempts = ?, message_ts = ?, "
                    + "delivered_at = now(), last_error = NULL WHERE id = ?", attempts, receipt, p.id);
            outbox.append(Topics.NOTIFICATION_EVENTS, new NotificationEvent.NotificationDelivered(UUID.randomUUID(),
                    Instant.now(), AofEvent.SCHEMA_VERSION, n.workspace(), n.recipeId(), n.jobId(), n.incidentId(),
                    n.attempt(), n.eventId(), p.destination, receipt, attempts));
            meters.counter("aof.notifications", "channel", kind, "audience", n.audience().name(),
                    "outcome", "delivered").increment();
        } catch (DeliveryException e) {
            Duration backoff = e.retryAfter != null ? e.retryAfter : backoff(attempts);
            Instant next = Instant.now().plus(backoff);
            jdbc.update("UPDATE notification SET attempts = ?, next_try_at = ?, last_error = ? WHERE id = ?",
                    attempts, Timestamp.from(next), e.getMessage(), p.id);
            outbox.append(Topics.NOTIFICATION_EVENTS, new NotificationEvent.NotificationFailed(UUID.randomUUID(),
                    Instant.now(), AofEvent.SCHEMA_VERSION, n.workspace(), n.recipeId(), n.jobId(), n.incidentId(),
                    n.attempt(), n.eventId(), p.destination, e.getMessage(), attempts, next));
            meters.counter("aof.notifications", "channel", kind, "audience", n.audience().name(),
                    "outcome", "failed").increment();
            log.warn("Delivery to {} failed (try {}), next try in {}: {}", p.destination, attempts, backoff,
                    e.getMessage());
        }
    }

    private Duration backoff(int attempts) {
        long seconds = 1L << Math.min(attempts, 16);
        Duration d = Duration.ofSeconds(seconds);
        return d.compareTo(props.maxBackoff()) > 0 ? props.maxBackoff() : d;
    }

    private record Pending(UUID id, String destination, String request, int attempts) {
    }
}
