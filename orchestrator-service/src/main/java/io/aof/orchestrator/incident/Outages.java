package io.aof.orchestrator.incident;

import io.aof.common.events.AofEvent;
import io.aof.common.events.NotificationRequested;
import io.aof.common.events.NotificationRequested.Audience;
import io.aof.common.events.NotificationRequested.Kind;
import io.aof.common.events.NotificationRequested.Severity;
import io.aof.common.events.OutageEvent;
import io.aof.common.events.Topics;
import io.aof.common.messaging.Outbox;
import io.aof.orchestrator.policy.OrchestratorProperties;
import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;
import org.springframework.transaction.annotation.Propagation;
import org.springframework.transaction.annotation.Transactional;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Optional;
import java.util.UUID;

/**
 * The life of outages of upstreams: detection, probes' results, the end, and what people are told (one thread
 * per outage, its first message edited as the figures change, one message at the end). What becomes of the
 * member incidents (held, probed, released) is {@link IncidentService}'s: this class decides only about the
 * outage, in the caller's transaction, and publishes its facts through the outbox in that transaction.
 */
@Component
@Transactional(propagation = Propagation.MANDATORY)
public class Outages {

    private static final Logger log = LoggerFactory.getLogger(Outages.class);
    private static final DateTimeFormatter HH_MM = DateTimeFormatter.ofPattern("HH:mm 'UTC'").withZone(ZoneOffset.UTC);

    private final OutageRepository outages;
    private final OutageStore store;
    private final Outbox outbox;
    private final MeterRegistry meters;
    private final Clock clock;
    private final OrchestratorProperties.Outages props;

    Outages(OutageRepository outages, OutageStore store, Outbox outbox, MeterRegistry meters, Clock clock,
            OrchestratorProperties props) {
        this.store = store;
        this.outages = outages;
        this.outbox = outbox;
        this.meters = meters;
        this.clock = clock;
        this.props = props.outages();
        for (String how : new String[] {"detected", "declared"}) {
            meters.counter("aof.outages.opened", "how", how);
        }
        for (String result : new String[] {"succeeded", "failed"}) {
            meters.counter("aof.outages.probes", "result", result);
        }
        meters.counter("aof.outages.held");
        meters.counter("aof.outages.released");
        meters.counter("aof.outages.escalated");
    }

    boolean enabled() {
        return props.enabled();
    }

    /** The detection window of {@code upstream} (its override, else the default). */
    Duration windowOf(String upstream) {
        return props.thresholdsOf(upstream).window();
    }

    /**
     * The open outage {@code incident} (just opened, retryable, its upstream known) belongs to: the one open for
     * its upstream, else one opened now if the upstream's recent retryable failures (this one included) reach
     * the thresholds ({@link Detected#opened()}: the caller holds the members and then calls {@link #announce});
     * empty when they do not.
     */
    Optional<Detected> detect(Incident incident) {
        Optional<Outage> open = openOf(incident);
        if (open.isPresent() || !props.enabled() || incident.upstream() == null) {
            return open.map(o -> new Detected(o, false));
        }
        OrchestratorProperties.Thresholds t = props.thresholdsOf(incident.upstream());
        Instant now = clock.instant();
        OutageStore.Recent recent = store.recentFailures(incident.workspace(), incident.upstream(),
                now.minus(t.window()));
        if (recent.failures() < t.minFailures() || recent.recipes() < t.minRecipes()) {
            return Optional.empty();
        }
        Outage candidate = Outage.detected(newId(), incident.workspace(), incident.upstream(),
                incident.category().name(), now, recent.failures(), recent.recipes(), now.plus(props.backoff(1)));
        Opened opened = openIfAbsent(candidate);
        if (opened.created()) {
            Outage o = opened.outage();
            meters.counter("aof.outages.opened", "how", "detected").increment();
            log.warn("Outage {} of {} opened: {} retryable failures of {} recipes within {}", o.id(), o.upstream(),
                    recent.failures(), recent.recipes(), t.window());
            outbox.append(Topics.OUTAGE_EVENTS, o.id(), new OutageEvent.OutageOpened(UUID.randomUUID(), now,
                    AofEvent.SCHEMA_VERSION, o.workspace(), o.id(), o.upstream(), null, null, null, recent.failures(),
                    recent.recipes()));
        }
        return Optional.of(new Detected(opened.outage(), opened.created()));
    }

    /** The outage an incident belongs to, and whether detecting it opened it. */
    record Detected(Outage outage, boolean opened) {
    }

    /**
     * Opens the outage unless one of its upstream is open already (another orchestrator opened it since our look;
     * this waits for that one's transaction); returns the open one, and whether this call opened it (then it is
     * locked: this transaction inserted it).
     */
    private Opened openIfAbsent(Outage candidate) {
        boolean created = store.insertIfNoneOpen(candidate);
        Outage open = outages.findOpen(candidate.workspace(), candidate.upstream()).orElseThrow();
        return new Opened(open, created);
    }

    private record Opened(Outage outage, boolean created) {
    }

    /** The start of a detected outage is told, with its members once the caller has held them. */
    void announce(Outage o) {
        OutageStore.Members m = store.members(o.id());
        notify(o, Audience.OPS, Kind.OUTAGE_STARTED, Severity.WARNING, title(o, m.jobs(), m.recipes()),
                "Retries of its jobs are held (no attempt is spent) while AOF probes it with one job; they are "
                + "released when the probe succeeds.", "started");
        o.alerted(figures(m.jobs(), m.recipes(), 0), clock.instant());   // opened by this transaction: locked
        store.changed();
    }

    /** The open outage of the incident's upstream that it joins, if any (nothing is detected; none when off). */
    Optional<Outage> openOf(Incident incident) {
        return props.enabled() ? anyOpenOf(incident) : Optional.empty();
    }

    /**
     * The open outage of the incident's upstream, also when outage awareness is switched off: nothing joins it
     * then, but a probe's or a repeat's outcome still ends it (or backs its probes off), so outages open at the
     * switch release their members instead of holding them until they go quiet.
     */
    Optional<Outage> anyOpenOf(Incident incident) {
        if (incident.upstream() == null) {
            return Optional.empty();
        }
        return outages.findOpen(incident.workspace(), incident.upstream());
    }

    /** Operator: holds everything of {@code upstream} until {@code until} (a maintenance of that system). */
    Outage declare(String workspace, String upstream, Instant until, String reason, String by) {
        Instant now = clock.instant();
        Outage candidate = Outage.declared(newId(), workspace, upstream, now, by, reason, until);
        Opened opened = openIfAbsent(candidate);
        while (!opened.created() && !redeclared(opened.outage().id(), by, reason, until)) {
            opened = openIfAbsent(candidate);   // it ended since our look: this declaration opens one
        }
        Outage o = opened.outage();
        if (opened.created()) {
            meters.counter("aof.outages.opened", "how", "declared").increment();
            notify(o, Audience.OPS, Kind.OUTAGE_STARTED, Severity.WARNING, title(o, 0, 0),
                    "Declared by " + by + ": " + reason, "started");
        }
        outbox.append(Topics.OUTAGE_EVENTS, o.id(), new OutageEvent.OutageOpened(UUID.randomUUID(), now,
                AofEvent.SCHEMA_VERSION, o.workspace(), o.id(), o.upstream(), by, reason, until, 0, 0));
        log.warn("Outage {} of {} declared by {} until {}: {}", o.id(), upstream, by, until, reason);
        return o;
    }

    /** A member was held for the outage (counted; people hear of it in the outage's thread, not one by one). */
    void held() {
        meters.counter("aof.outages.held").increment();
    }

    /** A declared outage's window moved (declared again while open); false when it had ended meanwhile. */
    private boolean redeclared(String id, String by, String reason, Instant until) {
        Optional<Outage> o = store.lock(id).filter(Outage::isOpen);
        o.ifPresent(open -> {
            open.redeclare(by, reason, until);
            store.changed();
        });
        return o.isPresent();
    }

    /** Member {@code incidentId}'s attempt {@code attempt} is the outage's probe now (the outage is locked). */
    void probeStarted(Outage o, String incidentId, int attempt) {
        o.probeStarted(incidentId, attempt);
        store.changed();
        log.info("Outage {} of {}: probing with attempt {} of {}", o.id(), o.upstream(), attempt, incidentId);
    }

    /** Whether attempt {@code attempt} of {@code incidentId} is the probe of open outage {@code o}. */
    static boolean isProbe(Outage o, String incidentId, int attempt) {
        return incidentId.equals(o.probeIncidentId()) && o.probeAttempt() != null && o.probeAttempt() == attempt;
    }

    /**
     * The probe did not bring the upstream back: the next one is due after the next backoff. {@code seen} may
     * have been read without a lock: the outage is locked and read afresh here, and nothing changes when it ended
     * or probes with another attempt meanwhile.
     */
    void probeFailed(Outage seen, String incidentId, int attempt) {
        Outage o = store.lock(seen.id()).orElse(null);
        if (o == null || !o.isOpen() || !isProbe(o, incidentId, attempt)) {
            return;
        }
        Instant now = clock.instant();
        int probes = o.probes() + 1;
        Instant next = now.plus(props.backoff(probes + 1));
        o.probeFailed(next);
        store.changed();
        meters.counter("aof.outages.probes", "result", "failed").increment();
        outbox.append(Topics.OUTAGE_EVENTS, o.id(), new OutageEvent.OutageProbed(UUID.randomUUID(), now,
                AofEvent.SCHEMA_VERSION, o.workspace(), o.id(), o.upstream(), incidentId, attempt, false, next, probes));
    }

    /**
     * The upstream answered: a repeat against it succeeded (the probe, or any member's or other incident's), so
     * the outage ends and its held members are released. No-op when it had ended already, and for a declared
     * outage (it ends when its window does, or by hand).
     */
    void upstreamAnswered(Outage seen, String incidentId, int attempt) {
        // read without a lock: locked and read afresh, it may have ended, or been declared, meanwhile
        Outage o = store.lock(seen.id()).orElse(null);
        if (o == null || !o.isOpen()) {
            return;
        }
        if (o.isDeclared()) {
            // an operator's window (a maintenance until a time) is kept: a repeat sent before it began that
            // succeeds says nothing of what the system will do during the maintenance
            log.info("Outage {} of {} is declared until {}: a repeat ({} attempt {}) succeeded, the window is kept",
                    o.id(), o.upstream(), o.until(), incidentId, attempt);
            return;
        }
        boolean probe = isProbe(o, incidentId, attempt);
        if (probe) {
            meters.counter("aof.outages.probes", "result", "succeeded").increment();
            outbox.append(Topics.OUTAGE_EVENTS, o.id(), new OutageEvent.OutageProbed(UUID.randomUUID(),
                    clock.instant(), AofEvent.SCHEMA_VERSION, o.workspace(), o.id(), o.upstream(), incidentId, attempt,
                    true, null, o.probes() + 1));
        }
        end(o, (probe ? "the probe (" : "a repeat (") + incidentId + ", attempt " + attempt + ") succeeded", null,
                Outage.AfterEnd.RELEASE);
    }

    /** Operator: ends the outage now; false when it had ended. */
    boolean endByOperator(Outage o, String by, String reason) {
        return end(o, "ended by " + by + ": " + reason, by, Outage.AfterEnd.RELEASE);
    }

    /**
     * One look at an open outage (locked by the sweep): a declared window that ran out ends it; a quiet one
     * (nothing held, no member change for the quiet period) ends; a detected one past its maximum is escalated
     * once (and by policy ended with its members exhausted); its thread's first message follows the figures. Returns
     * true when a probe is due now (the caller starts one on a held member).
     */
    boolean review(Outage o) {
        Instant now = clock.instant();
        OutageStore.Members m = store.members(o.id());
        if (o.isDeclared() && o.until() != null && !now.isBefore(o.until())) {
            end(o, "the declared window (until " + o.until() + ") is over", null, Outage.AfterEnd.RELEASE);
            return false;
        }
        if (!o.isDeclared() && o.escalatedAt() == null && o.lasted(now).compareTo(props.maxDuration()) >= 0) {
            // (a declared outage lasts the window its operator chose, however long)
            meters.counter("aof.outages.escalated").increment();
            boolean giveUp = props.afterMaxDuration() == OrchestratorProperties.AfterMaxDuration.EXHAUST;
            notify(o, Audience.SUPER_ADMIN, Kind.OUTAGE_STARTED, Severity.CRITICAL, o.upstream() + " down for "
                    + human(o.lasted(now)) + ": " + m.jobs() + " jobs of " + m.recipes() + " recipes", giveUp
                    ? "Past the maximum of " + human(props.maxDuration()) + ": its held jobs are exhausted; replay "
                    + "them when it is back" : "Past the maximum of " + human(props.maxDuration()) + ": its jobs "
                    + "stay held and probed; end the outage or resolve them by hand", "escalated");
            if (giveUp) {
                // ended before it is marked escalated: the super admin was told just now, and is not told again
                end(o, "open past the maximum of " + human(props.maxDuration()), null, Outage.AfterEnd.EXHAUST);
                o.escalated(now);
                store.changed();
                return false;
            }
            o.escalated(now);
            store.changed();
        }
        String figures = figures(m.jobs(), m.recipes(), o.probes());
        Instant unchangedSince = figures.equals(o.alerted()) && o.alertedAt() != null ? o.alertedAt() : now;
        if (!o.isDeclared() && m.held() == 0 && o.probeIncidentId() == null
                && !unchangedSince.plus(props.quietPeriod()).isAfter(now)) {
            end(o, "quiet: nothing held and no member failure for " + human(props.quietPeriod()), null,
                    Outage.AfterEnd.RELEASE);
            return false;
        }
        if (!figures.equals(o.alerted())) {
            o.alerted(figures, now);
            store.changed();
            notify(o, Audience.OPS, Kind.OUTAGE_UPDATED, Severity.WARNING, title(o, m.jobs(), m.recipes()),
                    o.probes() == 0 ? null : o.probes() + " probe(s) failed so far", "u" + figures);
        }
        // a declared outage is never probed: it holds everything until its window is over (declared over a
        // detected one, its probe in flight is let finish, and no other is sent)
        return !o.isDeclared() && o.probeIncidentId() == null && o.nextProbeAt() != null
                && !now.isBefore(o.nextProbeAt());
    }

    /** No held member could be probed now: looked at again after the current backoff. */
    void probeLater(Outage o) {
        o.probeLater(clock.instant().plus(props.backoff(o.probes() + 1)));
        store.changed();
    }

    /** The probe in flight was dropped (resolved by hand, cancelled, settled): another is due at once. */
    void probeLost(Outage o) {
        log.info("Outage {} of {}: probe {} attempt {} ended without an outcome; probing another", o.id(),
                o.upstream(), o.probeIncidentId(), o.probeAttempt());
        o.probeLater(clock.instant());
        store.changed();
    }

    /** Ends the locked outage {@code o}, unless it had ended already (false). */
    private boolean end(Outage o, String how, String by, Outage.AfterEnd afterEnd) {
        Instant now = clock.instant();
        if (!o.isOpen()) {
            return false;
        }
        o.end(now, how, by, afterEnd);
        store.changed();
        OutageStore.Members m = store.members(o.id());
        log.warn("Outage {} of {} ended after {}: {}; {} held jobs {}", o.id(), o.upstream(), human(o.lasted(now)),
                how, m.held(), afterEnd == Outage.AfterEnd.RELEASE ? "released" : "exhausted");
        outbox.append(Topics.OUTAGE_EVENTS, o.id(), new OutageEvent.OutageEnded(UUID.randomUUID(), now,
                AofEvent.SCHEMA_VERSION, o.workspace(), o.id(), o.upstream(), how, by, o.openedAt(), m.jobs(),
                m.held()));
        String title = o.upstream() + (afterEnd == Outage.AfterEnd.RELEASE ? " is back" : " outage given up")
                + " after " + human(o.lasted(now)) + ": " + m.jobs() + " jobs of " + m.recipes() + " recipes";
        notify(o, Audience.OPS, Kind.OUTAGE_ENDED, Severity.INFO, title, "Ended: " + how + ". " + m.held()
                + " held jobs " + (afterEnd == Outage.AfterEnd.RELEASE ? "are released now, oldest first, through the "
                + "normal repeat pacing (their attempt counts unchanged)" : "are exhausted: replay them when the "
                + "upstream is back"), "ended");
        if (o.escalatedAt() != null) {
            notify(o, Audience.SUPER_ADMIN, Kind.OUTAGE_ENDED, Severity.INFO, title, "Ended: " + how, "ended");
        }
        return true;
    }

    void released() {
        meters.counter("aof.outages.released").increment();
    }

    private String title(Outage o, int jobs, int recipes) {
        String since = "since " + HH_MM.format(o.openedAt());
        if (o.isDeclared()) {
            return o.upstream() + " down (declared by " + o.declaredBy() + " until " + HH_MM.format(o.until())
                    + "): " + jobs + " jobs held, " + since;
        }
        return o.upstream() + " unreachable: " + jobs + " jobs, " + recipes + " recipes, " + since
                + " — probing every " + human(props.backoff(o.probes() + 1));
    }

    private static String figures(int jobs, int recipes, int probes) {
        return jobs + "/" + recipes + "/" + probes;
    }

    private void notify(Outage o, Audience audience, Kind kind, Severity severity, String title, String detail,
                        String dedupSuffix) {
        outbox.append(Topics.NOTIFICATION_REQUESTS, o.id(), new NotificationRequested(UUID.randomUUID(),
                clock.instant(), AofEvent.SCHEMA_VERSION, o.workspace(), null, null, o.id(), null, audience, kind,
                severity, o.id() + ":" + kind + ":" + audience + ":" + dedupSuffix, title, null, o.category(), null,
                detail, null, null, null));
    }

    static String human(Duration d) {
        long minutes = d.toMinutes();
        if (minutes < 1) {
            return d.toSeconds() + " s";
        }
        if (minutes < 120) {
            return minutes + " min";
        }
        return d.toHours() + " h " + (minutes % 60) + " min";
    }

    private static String newId() {
        return "outage-" + UUID.randomUUID();
    }
}
