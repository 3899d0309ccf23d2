package io.aof.notifier;

import io.aof.common.events.AofEvent;
import io.aof.common.events.EventCodec;
import io.aof.common.events.NotificationEvent;
import io.aof.common.events.NotificationRequested;
import io.aof.common.events.Topics;
import io.aof.common.messaging.Outbox;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
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
 * Sends stored notifications, in order per destination: each round takes, for
 * every destination, its oldest pending row and sends it, then the next, until
 * one fails or is not due. A failure waits with exponential backoff (or the
 * channel's {@code Retry-After}) and holds back that destination's younger rows,
 * so a backlog is delivered in order when the channel is back. A transaction
 * advisory lock per destination lets several instances share the work without
 * overtaking each other. Every try is a {@code NotificationDelivered} or
 * {@code NotificationFailed} fact for the logger. Before sending, the round
 * builds due digests, queues escalation repeats and fallback copies.
 */
@Component
class NotificationDispatcher {

    private static final Logger log = LoggerFactory.getLogger(NotificationDispatcher.class);
    private static final int PER_DESTINATION_PER_ROUND = 20;

    private final JdbcTemplate jdbc;
    private final TransactionTemplate tx;
    private final Outbox outbox;
    private final NotificationStore store;
    private final Map<String, Channel> channels = new HashMap<>();
    private final NotifierProperties props;
    private final MeterRegistry meters;

    NotificationDispatcher(JdbcTemplate jdbc, TransactionTemplate tx, Outbox outbox, NotificationStore store,
                           NotifierProperties props, MeterRegistry meters, ObjectProvider<JavaMailSender> mail,
                           Router router) {
        this.jdbc = jdbc;
        this.tx = tx;
        this.outbox = outbox;
        this.store = store;
        this.props = props;
        this.meters = meters;
        add(new SlackSender(props.slack(), props.workatoAppUrl()));
        add(new WebhookSender(props.webhooks(), props.workatoAppUrl()));
        JavaMailSender mailSender = mail.getIfAvailable();
        if (mailSender != null) {
            add(new EmailSender(mailSender, props.email().from(), props.workatoAppUrl()));
        } else if (router.usesEmail()) {
            throw new IllegalStateException("aof.notifier sends e-mail (recipients, a route or the fallback name "
                    + "email:...) but no SMTP server is set: set spring.mail.host (and port, username, password)");
        }
    }

    private void add(Channel channel) {
        channels.put(channel.kind(), channel);
    }

    @Scheduled(fixedDelayString = "${aof.notifier.dispatch-interval:1s}")
    void dispatch() {
        try {
            tx.executeWithoutResult(s -> store.buildDueDigests());
            tx.executeWithoutResult(s -> store.queueEscalationRepeats());
            tx.executeWithoutResult(s -> store.queueFallbacks());
            List<String> destinations = jdbc.queryForList("SELECT DISTINCT channel FROM notification "
                    + "WHERE state = 'PENDING' AND next_try_at <= now()", String.class);
            for (String destination : destinations) {
                for (int i = 0; i < PER_DESTINATION_PER_ROUND; i++) {
                    if (!Boolean.TRUE.equals(tx.execute(s -> sendHead(destination)))) {
                        break;
                    }
                }
            }
        } catch (RuntimeException e) {
            log.warn("Notification round failed; notifications stay pending: {}", e.toString());
        }
    }

    private record Row(UUID id, String destination, String kind, String incidentId, String request, String digest,
                       boolean updateOnly, int attempts, Instant nextTryAt, Instant createdAt, Instant now) {
    }

    /** Sends the destination's oldest pending row if it is due; true when it was delivered. */
    private boolean sendHead(String destination) {
        Boolean locked = jdbc.queryForObject("SELECT pg_try_advisory_xact_lock(hashtext(?))", Boolean.class,
                "aof-notify:" + destination);
        if (!Boolean.TRUE.equals(locked)) {
            return false;   // another instance is sending to this destination right now
        }
        List<Row> head = jdbc.query("SELECT id, channel, kind, incident_id, request, digest, update_only, attempts, "
                        + "next_try_at, created_at, now() FROM notification WHERE channel = ? AND state = 'PENDING' "
                        + "ORDER BY seq LIMIT 1 FOR UPDATE",
                (rs, i) -> new Row(rs.getObject(1, UUID.class), rs.getString(2), rs.getString(3), rs.getString(4),
                        rs.getString(5), rs.getString(6), rs.getBoolean(7), rs.getInt(8),
                        rs.getTimestamp(9).toInstant(), rs.getTimestamp(10).toInstant(),
                        rs.getTimestamp(11).toInstant()), destination);
        if (head.isEmpty() || head.get(0).nextTryAt().isAfter(head.get(0).now())) {
            return false;
        }
        return send(head.get(0));
    }

    private boolean send(Row row) {
        int colon = row.destination().indexOf(':');
        String kind = NotificationStore.kindOf(row.destination());
        String target = row.destination().substring(colon + 1);
        NotificationRequested n = row.request() == null ? null
                : EventCodec.decode(Topics.NOTIFICATION_REQUESTS, row.request());
        About about = About.of(row, n);
        int attempts = row.attempts() + 1;
        try {
            Channel channel = channels.get(kind);
            if (channel == null) {
                throw new DeliveryException("no " + kind + " channel is configured", null);
            }
            Channel.Delivery delivery;
            if (row.digest() != null) {
                delivery = channel.deliverDigest(target, EventCodec.mapper().readValue(row.digest(), Digest.class));
            } else {
                Channel.Thread thread = thread(row.destination(), row.incidentId());
                if (row.updateOnly()) {
                    delivery = thread != null && thread.started() ? channel.updateParent(target, n, thread)
                            : new Channel.Delivery(null, null);
                } else {
                    delivery = channel.deliver(target, n, thread);
                    if (thread != null && !thread.started() && n.kind() != NotificationRequested.Kind.REPORT) {
                        jdbc.update("UPDATE incident_thread SET parent_ref = ?, channel_ref = ?, parent_id = ? "
                                        + "WHERE destination = ? AND incident_id = ? AND parent_ref IS NULL",
                                delivery.ref(), delivery.channelRef(), row.id(), row.destination(),
                                row.incidentId());
                    }
                }
            }
            jdbc.update("UPDATE notification SET state = 'DELIVERED', attempts = ?, message_ts = ?, "
                    + "delivered_at = now(), last_error = NULL WHERE id = ?", attempts, delivery.ref(), row.id());
            outbox.append(Topics.NOTIFICATION_EVENTS, new NotificationEvent.NotificationDelivered(UUID.randomUUID(),
                    Instant.now(), AofEvent.SCHEMA_VERSION, about.workspace(), about.recipeId(), about.jobId(),
                    row.incidentId(), about.attempt(), about.requestId(), row.destination(), delivery.ref(), attempts));
            meters.counter("aof.notifications", "channel", kind, "audience", about.audience(), "outcome", "delivered")
                    .increment();
            Timer.builder("aof.notifications.delivery.latency").description("from stored to delivered")
                    .tag("channel", kind).register(meters).record(Duration.between(row.createdAt(), Instant.now()));
            return true;
        } catch (DeliveryException e) {
            Duration backoff = e.retryAfter != null ? e.retryAfter : backoff(attempts);
            Instant next = Instant.now().plus(backoff);
            jdbc.update("UPDATE notification SET attempts = ?, next_try_at = ?, last_error = ? WHERE id = ?",
                    attempts, Timestamp.from(next), e.getMessage(), row.id());
            outbox.append(Topics.NOTIFICATION_EVENTS, new NotificationEvent.NotificationFailed(UUID.randomUUID(),
                    Instant.now(), AofEvent.SCHEMA_VERSION, about.workspace(), about.recipeId(), about.jobId(),
                    row.incidentId(), about.attempt(), about.requestId(), row.destination(), e.getMessage(), attempts,
                    next));
            meters.counter("aof.notifications", "channel", kind, "audience", about.audience(), "outcome", "failed")
                    .increment();
            log.warn("Delivery to {} failed (try {}), next try in {}: {}", row.destination(), attempts, backoff,
                    e.getMessage());
            return false;
        }
    }

    /** What a delivery event says it was about: the request, or for a digest (no request) the row itself. */
    private record About(String workspace, Long recipeId, String jobId, Integer attempt, UUID requestId,
                         String audience) {

        static About of(Row row, NotificationRequested n) {
            return n == null ? new About(null, null, null, null, row.id(), "OPS")
                    : new About(n.workspace(), n.recipeId(), n.jobId(), n.attempt(), n.eventId(), n.audience().name());
        }
    }

    private Channel.Thread thread(String destination, String incidentId) {
        if (incidentId == null) {
            return null;
        }
        // the thread's first message is the notification row that started it (parent_id)
        List<Channel.Thread> t = jdbc.query("SELECT t.parent_ref, t.channel_ref, p.request FROM incident_thread t "
                        + "LEFT JOIN notification p ON p.id = t.parent_id "
                        + "WHERE t.destination = ? AND t.incident_id = ? AND t.mode = 'THREAD'",
                (rs, i) -> new Channel.Thread(rs.getString(1), rs.getString(2), rs.getString(3) == null ? null
                        : EventCodec.decode(Topics.NOTIFICATION_REQUESTS, rs.getString(3))), destination, incidentId);
        return t.isEmpty() ? null : t.get(0);
    }

    private Duration backoff(int attempts) {
        long seconds = 1L << Math.min(attempts, 16);
        Duration d = Duration.ofSeconds(seconds);
        return d.compareTo(props.maxBackoff()) > 0 ? props.maxBackoff() : d;
    }
}
