package io.aof.notifier.delivery;

import io.aof.common.events.AofEvent;
import io.aof.common.events.EventCodec;
import io.aof.common.events.NotificationEvent;
import io.aof.common.events.NotificationRequested;
import io.aof.common.events.Topics;
import io.aof.common.messaging.Outbox;
import io.aof.notifier.NotifierProperties;
import io.aof.notifier.escalation.Escalations;
import io.aof.notifier.grouping.Digest;
import io.aof.notifier.grouping.Digests;
import io.aof.notifier.grouping.SignatureStorms;
import io.aof.notifier.grouping.Storm;
import io.aof.notifier.grouping.ThreadStore;
import io.aof.notifier.intake.Destination;
import io.aof.notifier.intake.NotificationState;
import io.aof.notifier.intake.NotificationStore.Pending;
import io.aof.notifier.intake.NotificationStore;
import io.aof.notifier.intake.Router;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.mail.javamail.JavaMailSender;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;
import org.springframework.transaction.TransactionDefinition;
import org.springframework.transaction.support.TransactionTemplate;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Sends stored notifications, in order per destination: each round takes, for
 * every destination, its oldest pending row and sends it, then the next, until
 * one fails or is not due. A failure the channel classifies as transient waits
 * with exponential backoff (or the channel's {@code Retry-After}) and holds back
 * that destination's younger rows, so a backlog is delivered in order when the
 * channel is back. A row the destination refuses for good (a channel gone, a
 * message refused) is FAILED, counted, copied to the fallback and told to the
 * super admin, and the destination moves on to its next row. Refused credentials
 * hold the row and pause the channel (all its destinations, when they share the
 * credentials) until the row's next try, and tell the super admin. A transaction
 * advisory lock per destination lets several instances share the work without
 * overtaking each other. Every try is a {@code NotificationDelivered} or
 * {@code NotificationFailed} fact for the logger. Before sending, the round
 * builds due digests, queues escalation repeats and fallback copies. A try mark
 * committed before each send and removed with its answer makes a lost answer
 * (crash, database lost, timeout) a question to the channel next time
 * ({@link Channel#lookUp}) rather than a second message. An outage's start or
 * update overtaken before its turn is not sent ({@link #overtaken}). A signature
 * storm's messages show the storm's figures as of when they are sent
 * ({@link #sendStorm}).
 */
@Component
public class NotificationDispatcher {

    private static final Logger log = LoggerFactory.getLogger(NotificationDispatcher.class);
    private static final int PER_DESTINATION_PER_ROUND = 20;
    static final String NOT_CONFIGURED = "not_configured";

    private final TransactionTemplate tx;
    /** For the try marks: a transaction of its own, committed while the row's transaction is still open. */
    private final TransactionTemplate newTx;
    private final Outbox outbox;
    private final NotificationStore notifications;
    private final ThreadStore threads;
    private final Digests digests;
    private final SignatureStorms storms;
    private final Escalations escalations;
    private final Fallbacks fallbacks;
    private final Map<String, Channel> channels = new HashMap<>();
    private final NotifierProperties props;
    private final MeterRegistry meters;
    private final RefusalAlerts refusals;
    private final Clock clock;
    /** Channels whose shared credentials were refused, and until when nothing is tried through them. */
    private final Map<String, Instant> paused = new ConcurrentHashMap<>();

    public NotificationDispatcher(TransactionTemplate tx, Outbox outbox, NotificationStore notifications,
                           ThreadStore threads, Digests digests, SignatureStorms storms, Escalations escalations,
                           Fallbacks fallbacks, NotifierProperties props, MeterRegistry meters,
                           ObjectProvider<JavaMailSender> mail, Router router, RefusalAlerts refusals, Clock clock) {
        this.tx = tx;
        this.newTx = new TransactionTemplate(Objects.requireNonNull(tx.getTransactionManager()));
        this.newTx.setPropagationBehavior(TransactionDefinition.PROPAGATION_REQUIRES_NEW);
        this.outbox = outbox;
        this.notifications = notifications;
        this.threads = threads;
        this.digests = digests;
        this.storms = storms;
        this.escalations = escalations;
        this.fallbacks = fallbacks;
        this.props = props;
        this.meters = meters;
        this.refusals = refusals;
        this.clock = clock;
        add(new SlackSender(props.slack(), props.workatoAppUrl()));
        add(new WebhookSender(props.webhooks(), props.workatoAppUrl()));
        JavaMailSender mailSender = mail.getIfAvailable();
        if (mailSender != null) {
            add(new EmailSender(mailSender, props.email().from(), props.workatoAppUrl()));
        } else if (router.usesEmail()) {
            throw new IllegalStateException("aof.notifier sends e-mail (recipients, a route or the fallback name "
                    + "email:...) but no SMTP server is set: set spring.mail.host (and port, username, password)");
        }
        registerMeters();
    }

    private void add(Channel channel) {
        channels.put(channel.kind(), channel);
    }

    /** Every reason a row can be failed for good, per channel: the counters exist (0) from the start. */
    private void registerMeters() {
        Map<String, List<String>> reasons = Map.of(
                "slack", SlackSender.PERMANENT.stream().sorted().toList(),
                "webhook", WebhookSender.PERMANENT_REASONS,
                "email", EmailSender.PERMANENT_REASONS);
        reasons.forEach((channel, list) -> {
            for (String reason : list) {
                meters.counter("aof.notifications.failed.permanent", "channel", channel, "reason", reason);
            }
            meters.counter("aof.notifications.failed.permanent", "channel", channel, "reason", NOT_CONFIGURED);
            meters.counter("aof.notifications.refused.credentials", "channel", channel);
            meters.counter("aof.notifications.superseded", "channel", channel);
        });
    }

    /** The channels paused for refused credentials (health). */
    public Map<String, Instant> paused() {
        Instant now = clock.instant();
        paused.values().removeIf(until -> !until.isAfter(now));
        return Map.copyOf(paused);
    }

    @Scheduled(fixedDelayString = "${aof.notifier.dispatch-interval:1s}")
    public void dispatch() {
        try {
            tx.executeWithoutResult(s -> digests.buildDue());
            tx.executeWithoutResult(s -> storms.buildDue());
            tx.executeWithoutResult(s -> escalations.queueRepeats());
            tx.executeWithoutResult(s -> fallbacks.queueStuck());
            for (String destination : notifications.dueDestinations()) {
                if (paused().containsKey(Destination.kindOf(destination))) {
                    continue;   // its credentials are refused: nothing goes through that channel until the pause ends
                }
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

    /** Sends the destination's oldest pending row if it is due; true when it was delivered. */
    private boolean sendHead(String destination) {
        if (!notifications.lockDestination(destination)) {
            return false;   // another instance is sending to this destination right now
        }
        Optional<Pending> head = notifications.head(destination);
        if (head.isEmpty() || head.get().nextTryAt().isAfter(head.get().now())) {
            return false;
        }
        return send(head.get());
    }

    private boolean send(Pending row) {
        String kind = Destination.kindOf(row.destination());
        String target = row.destination().substring(row.destination().indexOf(':') + 1);
        NotificationRequested n = row.request() == null ? null
                : EventCodec.decode(Topics.NOTIFICATION_REQUESTS, row.request());
        About about = About.of(row, n);
        int attempts = row.attempts() + 1;
        boolean posted = false;
        try {
            Channel channel = channels.get(kind);
            if (channel == null) {
                throw DeliveryException.permanent(NOT_CONFIGURED, "no " + kind + " channel is configured");
            }
            if (row.stormMessage()) {
                sendStorm(row, channel, target, kind, attempts, about);
                return true;
            }
            boolean outage = n != null && n.kind().isOutage();
            // a fallback copy of an outage's message stands alone: it must not edit or close a thread there
            Channel.Thread thread = row.digest() != null || row.incidentId() == null
                    || (outage && row.fallbackCopy()) ? null
                    : threads.thread(row.destination(), row.incidentId()).orElse(null);
            if (outage && !row.fallbackCopy() && row.triedAt() == null && overtaken(row, n, thread)) {
                notifications.superseded(row.id());
                meters.counter("aof.notifications.superseded", "channel", kind).increment();
                log.debug("{} of outage {} to {} was overtaken before its turn: not sent", n.kind(),
                        row.incidentId(), row.destination());
                return true;   // the rows behind it go
            }
            Channel.Delivery delivery = row.updateOnly() ? null : earlierTry(row, channel, target, thread, kind);
            if (delivery == null) {
                if (!row.updateOnly()) {
                    markTry(row.id());
                    posted = true;
                }
                if (row.digest() != null) {
                    delivery = channel.deliverDigest(row.id(), target,
                            EventCodec.mapper().readValue(row.digest(), Digest.class));
                } else if (row.updateOnly()) {
                    delivery = thread != null && thread.started() ? channel.updateParent(target, n, thread)
                            : new Channel.Delivery(null, null);
                } else {
                    delivery = channel.deliver(row.id(), target, n, thread);
                }
            }
            if (row.digest() == null && !row.updateOnly() && thread != null && !thread.started()
                    && n.kind() != NotificationRequested.Kind.REPORT) {
                threads.started(row.destination(), row.incidentId(), delivery.ref(), delivery.channelRef(), row.id());
            }
            delivered(row, kind, attempts, about, delivery, posted);
            return true;
        } catch (DeliveryException e) {
            meters.counter("aof.notifications", "channel", kind, "audience", about.audience(), "outcome", "failed")
                    .increment();
            if (posted && !e.maybeDelivered) {
                // the channel answered that it did not take it: nothing to ask about next time
                notifications.clearTry(row.id());
            }
            if (e.permanent()) {
                failForGood(row, kind, about, attempts, e);
                return true;   // the rows behind it still go
            }
            Duration backoff = e.retryAfter != null ? e.retryAfter : backoff(attempts);
            // due on the database's clock, the one the rounds compare it with; from the moment of the answer
            // (clock_timestamp), not the transaction's start (now(): before the call), so Retry-After is kept
            Instant failedAt = clock.instant();
            Instant next = notifications.retryLater(row.id(), attempts, backoff, e.getMessage());
            outbox.append(Topics.NOTIFICATION_EVENTS, new NotificationEvent.NotificationFailed(UUID.randomUUID(),
                    failedAt, AofEvent.SCHEMA_VERSION, about.workspace(), about.recipeId(), about.jobId(),
                    row.incidentId(), about.attempt(), about.requestId(), row.destination(), e.getMessage(), attempts,
                    next));
            log.warn("Delivery to {} failed (try {}), next try in {}: {}", row.destination(), attempts, backoff,
                    e.getMessage());
            if (e.fault == DeliveryException.Fault.CREDENTIALS) {
                credentialsRefused(row, kind, e, backoff);
            }
            return false;
        }
    }

    /**
     * A signature storm's message ({@link SignatureStorms}), with the storm's figures as of now: its thread's first
     * message (or an edit of it, which needs no try mark: an edit twice is harmless), its end, a follow-up. A fallback
     * copy stands alone. Recorded as delivered; a failure is thrown as for any row (its try mark removed when the
     * channel answered that it did not take it).
     */
    private void sendStorm(Pending row, Channel channel, String target, String kind, int attempts, About about) {
        Storm storm = storms.storm(row.stormId()).orElseThrow(() -> DeliveryException.permanent("storm_gone",
                "storm " + row.stormId() + " is no longer kept"));
        Storm.Kind what = Storm.Kind.valueOf(row.kind());
        if (what == Storm.Kind.STORM_UPDATED && storm.ended() && !row.fallbackCopy()) {
            // the storm ended before this edit's turn: its end (queued behind it) edits the first message with the
            // final figures, or posts it; sent, this would be the same edit twice (found by the full proof run)
            notifications.superseded(row.id());
            meters.counter("aof.notifications.superseded", "channel", kind).increment();
            log.debug("Edit of storm {} to {} overtaken by its end: not sent", row.stormId(), row.destination());
            return;
        }
        Channel.Thread thread = row.fallbackCopy() ? null : storms.thread(row.stormId());
        boolean started = thread != null && thread.started();
        boolean edit = started && (what == Storm.Kind.STORM_UPDATED || what == Storm.Kind.STORM_STARTED);
        Channel.Delivery delivery = edit ? null : earlierTry(row, channel, target, thread, kind);
        boolean posted = false;
        if (delivery == null) {
            if (!edit) {
                markTry(row.id());
                posted = true;
            }
            Digest followUp = row.digest() == null ? null
                    : EventCodec.mapper().readValue(row.digest(), Digest.class);
            try {
                delivery = channel.deliverStorm(row.id(), target, new Storm.Message(what, storm, followUp), thread);
            } catch (DeliveryException e) {
                if (posted && !e.maybeDelivered) {
                    notifications.clearTry(row.id());
                }
                throw e;
            }
        }
        if (thread != null && !started && what != Storm.Kind.STORM_FOLLOWUP) {
            storms.started(row.stormId(), delivery);   // this message is the thread's first
        }
        delivered(row, kind, attempts, about, delivery, posted);
    }

    /** The row was taken ({@code delivery}): recorded, its try mark removed, the fact published, counted. */
    private void delivered(Pending row, String kind, int attempts, About about, Channel.Delivery delivery,
                           boolean posted) {
        notifications.delivered(row.id(), attempts, delivery.ref());
        if (posted || row.triedAt() != null) {
            notifications.clearTry(row.id());
        }
        paused.remove(kind);
        outbox.append(Topics.NOTIFICATION_EVENTS, new NotificationEvent.NotificationDelivered(UUID.randomUUID(),
                clock.instant(), AofEvent.SCHEMA_VERSION, about.workspace(), about.recipeId(), about.jobId(),
                row.incidentId(), about.attempt(), about.requestId(), row.destination(), delivery.ref(), attempts));
        meters.counter("aof.notifications", "channel", kind, "audience", about.audience(), "outcome", "delivered")
                .increment();
        Timer.builder("aof.notifications.delivery.latency").description("from stored to delivered")
                .tag("channel", kind).register(meters).record(Duration.between(row.createdAt(), clock.instant()));
    }

    /**
     * An outage's start or update that must not be sent when its turn comes ({@link NotificationState#SUPERSEDED}).
     * A start, only where the outage's thread already has its first message (an update or the end that went first,
     * or a start sent again by hand): never a second first message. Otherwise a start is sent even when the end is
     * already stored behind it (Slack was down while the outage lasted): the thread is then its first message, with
     * the latest figures, and the end's reply, as always. An update, where the outage's end, or a later update, is
     * stored for the destination: the end updates the first message to say it ended (with the latest figures), a
     * later update shows newer figures; sent, it would only be a stale edit, or show an ended outage as open.
     * <p>
     * An update is never held back waiting for its thread's first message: in-order delivery per destination
     * already sends the start first (while the start is retried, the updates wait behind it), and waiting for a
     * start that will not come first (refused for good, routed elsewhere, stored after the update) would block
     * the destination. Such an update becomes the first message itself ({@link SlackSender}), showing the latest
     * figures: neither lost nor a second first message. Reminders are never overtaken.
     */
    private boolean overtaken(Pending row, NotificationRequested n, Channel.Thread thread) {
        return switch (n.kind()) {
            case OUTAGE_STARTED -> !Escalations.isRepeat(n) && thread != null && thread.started();
            case OUTAGE_UPDATED -> notifications.outageUpdateOvertaken(row.id());
            default -> false;
        };
    }

    /**
     * An earlier try of this row whose answer was lost (a try mark is still there): the channel is asked whether
     * it took the message. Its delivery when it did (the row is then recorded as delivered, not sent again);
     * null when it did not, or cannot tell (the row is sent again: counted and logged).
     */
    private Channel.Delivery earlierTry(Pending row, Channel channel, String target, Channel.Thread thread,
                                        String kind) {
        if (row.triedAt() == null) {
            return null;
        }
        String channelRef = thread != null && thread.channelRef() != null ? thread.channelRef()
                : threads.channelRef(row.destination());
        Channel.Lookup lookup = channel.lookUp(row.id(), target, thread, channelRef, row.triedAt());
        String outcome = lookup.found() != null ? "found" : lookup.known() ? "absent" : "unknown";
        meters.counter("aof.notifications.lost.answers", "channel", kind, "outcome", outcome).increment();
        if (lookup.found() != null) {
            log.info("Notification {} to {} had reached it before its answer was lost ({}): recorded, not sent again",
                    row.id(), row.destination(), lookup.found().ref());
        } else if (!lookup.known()) {
            log.warn("Notification {} to {}: an earlier try's answer was lost and {} cannot tell whether it took it; "
                    + "sending it again (it may arrive twice)", row.id(), row.destination(), kind);
        }
        return lookup.found();
    }

    /** Committed before the call, in a transaction of its own: if the answer is lost, the next try asks first. */
    private void markTry(UUID id) {
        newTx.executeWithoutResult(s -> notifications.markTry(id));
    }

    /**
     * The destination can never take this row: it is FAILED for good (with the channel's reason), counted, copied
     * to the fallback, and the super admin is told (once per burst) through another destination.
     */
    private void failForGood(Pending row, String kind, About about, int attempts, DeliveryException e) {
        notifications.failedForGood(row.id(), attempts, e.getMessage(), e.reason);
        outbox.append(Topics.NOTIFICATION_EVENTS, new NotificationEvent.NotificationFailed(UUID.randomUUID(),
                clock.instant(), AofEvent.SCHEMA_VERSION, about.workspace(), about.recipeId(), about.jobId(),
                row.incidentId(), about.attempt(), about.requestId(), row.destination(), e.getMessage(), attempts,
                null));   // no next try: failed for good
        meters.counter("aof.notifications.failed.permanent", "channel", kind, "reason", e.reason).increment();
        boolean copied = fallbacks.copyRefused(row.id(), e.getMessage());
        log.warn("{} refused notification {} for good ({}); it is FAILED{} and the destination moves on",
                row.destination(), row.id(), e.getMessage(), copied ? ", a copy goes to the fallback "
                        + props.fallback().destination() : "");
        if (e.tellAdmin) {
            refusals.refused(row.destination(), e.reason, e.getMessage(), row.destination()::equals, true,
                    title(row));
        }
    }

    /**
     * The channel's credentials are refused: the row waits (it is not at fault), a channel whose credentials
     * serve all its destinations (Slack's token, the SMTP login) is paused as long as the row's backoff, and
     * the super admin is told through another channel.
     */
    private void credentialsRefused(Pending row, String kind, DeliveryException e, Duration backoff) {
        meters.counter("aof.notifications.refused.credentials", "channel", kind).increment();
        Channel channel = channels.get(kind);
        boolean shared = channel == null || channel.sharedCredentials();
        if (shared) {
            paused.put(kind, clock.instant().plus(backoff));
        }
        refusals.refused(shared ? kind : row.destination(), e.reason, e.getMessage(), shared
                ? d -> Destination.kindOf(d).equals(kind) : row.destination()::equals, false, title(row));
    }

    private static String title(Pending row) {
        if (row.request() == null) {
            return row.stormId() != null ? "a storm's message" : "a digest";
        }
        NotificationRequested n = EventCodec.decode(Topics.NOTIFICATION_REQUESTS, row.request());
        return n.title() + (n.incidentId() == null ? "" : " (incident " + n.incidentId() + ")");
    }

    /** What a delivery event says it was about: the request, or for a digest (no request) the row itself. */
    private record About(String workspace, Long recipeId, String jobId, Integer attempt, UUID requestId,
                         String audience) {

        static About of(Pending row, NotificationRequested n) {
            return n == null ? new About(null, null, null, null, row.id(), "OPS")
                    : new About(n.workspace(), n.recipeId(), n.jobId(), n.attempt(), n.eventId(), n.audience().name());
        }
    }

    private Duration backoff(int attempts) {
        long seconds = 1L << Math.min(attempts, 16);
        Duration d = Duration.ofSeconds(seconds);
        return d.compareTo(props.maxBackoff()) > 0 ? props.maxBackoff() : d;
    }
}
