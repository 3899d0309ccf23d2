package io.aof.notifier.delivery;

import io.aof.common.events.EventCodec;
import io.aof.common.events.NotificationRequested.Kind;
import io.aof.common.events.NotificationRequested;
import io.aof.common.messaging.AofProperties;
import io.aof.notifier.NotifierProperties;
import io.aof.notifier.intake.NotificationIntake;
import io.aof.notifier.intake.Router;
import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.health.contributor.Health;
import org.springframework.stereotype.Component;

import java.time.Clock;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;

/**
 * Tells the super admin that a destination refuses notifications for good (a Slack channel gone, a webhook's
 * 410, an SMTP 550), or that a channel's credentials are refused, through another destination than the one
 * refusing: the super admin's destinations (routes apply), else the fallback, else nobody (said loudly in the
 * log and in health component {@code notifications}). One row per scope and reason in {@code refusal}: the
 * admin is told once per {@code aof.notifier.refusals.alert-interval}, so a burst is one alert. The alert is an
 * {@code AOF_TROUBLE} like the others ({@link NotificationRequested#trouble}): its trouble id names the scope,
 * the reason and the interval it falls in (that id is its dedup key), so it is repeated until acknowledged
 * ({@code POST /api/escalations/{incident}/ack}), and one told twice in an interval is stored once.
 */
@Component
public class RefusalAlerts {

    private static final Logger log = LoggerFactory.getLogger(RefusalAlerts.class);

    private final RefusalStore store;
    private final Router router;
    private final NotificationIntake intake;
    private final NotifierProperties props;
    private final MeterRegistry meters;
    private final Clock clock;
    private final String workspace;

    public RefusalAlerts(RefusalStore store, Router router, NotificationIntake intake, NotifierProperties props,
                  MeterRegistry meters, Clock clock, AofProperties aof) {
        this.store = store;
        this.router = router;
        this.intake = intake;
        this.props = props;
        this.meters = meters;
        this.clock = clock;
        this.workspace = aof.workspace();
        for (String to : List.of("admin", "fallback", "none")) {
            meters.counter("aof.notifications.refusal.alerts", "to", to);
        }
        Set<String> told = new LinkedHashSet<>(router.destinations(alert("slack:#x", "x", "x", null, true,
                clock.instant())));
        if (!props.fallback().destination().isBlank()) {
            told.add(props.fallback().destination());
        }
        if (told.size() < 2) {
            log.warn("Only {} is configured for the super admin and as the fallback: when it refuses notifications "
                    + "for good, nobody can be told. Set aof.notifier.email.admin-to (AOF_MAIL_ADMIN_TO) or "
                    + "aof.notifier.fallback.destination (AOF_NOTIFIER_FALLBACK) to another destination", told);
        }
    }

    /**
     * Records a refusal (in the caller's transaction) and, unless this scope and reason were told within the
     * alert interval, stores one alert to the super admin on destinations {@code refusing} does not match.
     *
     * @param scope    the refusing destination, or the channel kind whose shared credentials were refused
     * @param refusing the destinations that cannot carry the alert (the refusing one, or the whole channel)
     * @param about    what was refused (a notification's title), for the alert's text; may be null
     */
    void refused(String scope, String reason, String error, Predicate<String> refusing, boolean forGood,
                 String about) {
        RefusalStore.Recorded r = store.record(scope, reason, error);
        Instant now = r.now();
        if (r.alertedAt() != null && r.alertedAt().plus(props.refusals().alertInterval()).isAfter(now)) {
            return;   // told already: this is the same burst
        }
        NotificationRequested alert = alert(scope, reason, error, about, forGood, now);
        List<String> to = router.destinations(alert).stream().filter(refusing.negate()).toList();
        String via = "admin";
        String fallback = props.fallback().destination();
        if (to.isEmpty() && !fallback.isBlank() && !refusing.test(fallback)) {
            to = List.of(fallback);
            via = "fallback";
        }
        if (to.isEmpty()) {
            via = "none";
            log.error("NOBODY TOLD: {} refuses notifications ({}: {}) and no other destination is configured for the "
                    + "super admin or as the fallback; set aof.notifier.email.admin-to or "
                    + "aof.notifier.fallback.destination", scope, reason, error);
        } else {
            intake.store(alert, EventCodec.encode(alert), to);
            log.warn("{} refuses notifications ({}: {}); the super admin is told at {}", scope, reason, error, to);
        }
        store.alerted(scope, reason, to.isEmpty() ? null : String.join(" ", to));
        meters.counter("aof.notifications.refusal.alerts", "to", via).increment();
    }

    /** The alert of a refusal at {@code now} (the database's clock, the one the alert interval is kept on). */
    private NotificationRequested alert(String scope, String reason, String error, String about, boolean forGood,
                                        Instant now) {
        String title = forGood ? "Notifications undeliverable: " + scope + " refuses them (" + reason + ")"
                : "Notifications held: " + scope + " refuses AOF's credentials (" + reason + ")";
        String detail = forGood
                ? error + ". Refused notifications are marked FAILED (not tried again; GET /api/notifications/failed) "
                + "and copied to the fallback, if one is set; later ones still go. Fix the destination "
                + "(e.g. invite the bot, unarchive the channel, correct the route), then send them again: "
                + "POST /api/notifications/failed/retry?destination=" + scope + "."
                + (about == null ? "" : " First refused: " + about)
                : error + ". Nothing goes through " + scope + " until its credentials are fixed; notifications "
                + "wait and are sent once they are, and copies go to the fallback meanwhile.";
        long bucket = now.getEpochSecond() / Math.max(1, props.refusals().alertInterval().toSeconds());
        String troubleId = "aof:refusal:" + scope + ":" + reason + ":" + bucket;
        return NotificationRequested.trouble(workspace, troubleId, Kind.AOF_TROUBLE, title, detail);
    }

    /**
     * Health component {@code notifications}: DOWN while a channel is paused for refused credentials, or when a
     * refusal in the last day could be told to nobody; the refusals of the last day as details.
     */
    public Health health(Map<String, Instant> paused) {
        List<RefusalStore.Refusal> recent = store.lastDay();
        boolean untold = recent.stream().anyMatch(r -> r.told() == null);
        Health.Builder h = paused.isEmpty() && !untold ? Health.up() : Health.down();
        Map<String, String> refusals = new LinkedHashMap<>();
        for (RefusalStore.Refusal r : recent) {
            refusals.put(r.scope() + " " + r.reason(), r.failures() + " refused, the last at " + r.lastAt()
                    + ", told: " + (r.told() == null ? "NOBODY (no admin destination or fallback configured)"
                    : r.told()));
        }
        if (!refusals.isEmpty()) {
            h.withDetail("refusals", refusals);
        }
        if (!paused.isEmpty()) {
            Map<String, String> p = new LinkedHashMap<>();
            paused.forEach((k, until) -> p.put(k, "credentials refused; next try " + until));
            h.withDetail("paused", p);
        }
        return h.build();
    }
}
