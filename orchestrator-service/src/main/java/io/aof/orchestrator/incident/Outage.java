package io.aof.orchestrator.incident;

import com.fasterxml.jackson.annotation.JsonAutoDetect;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.EnumType;
import jakarta.persistence.Enumerated;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import org.hibernate.annotations.DynamicUpdate;

import java.time.Duration;
import java.time.Instant;

/**
 * An outage of one upstream: detected ({@code declaredBy} null) from {@code failures} retryable failures of
 * {@code recipes} recipes, or declared by an operator until {@code until}. At most one is open (not
 * {@code endedAt}) per workspace and upstream. While it is open a probe is due at {@code nextProbeAt}, and
 * {@code probeIncidentId}'s attempt {@code probeAttempt} is the probe in flight. {@code alerted} are the figures
 * (jobs/recipes/probes) its thread last showed, since {@code alertedAt}.
 *
 * <p>A JPA aggregate: opened by {@link OutageStore#insertIfNoneOpen} (one open per upstream is the database's
 * partial unique index, which the insert waits on), then changed only through the methods below on an instance
 * that {@link OutageStore#lock} or {@link OutageStore#lockOpen} locked and read afresh, and written at once
 * ({@link OutageStore#changed}). Only changed columns are written ({@link DynamicUpdate}). Written to JSON as the
 * record it was: its fields by name, in this order.
 */
@Entity
@Table(name = "outage")
@DynamicUpdate
@JsonAutoDetect(fieldVisibility = JsonAutoDetect.Visibility.ANY, getterVisibility = JsonAutoDetect.Visibility.NONE,
        isGetterVisibility = JsonAutoDetect.Visibility.NONE)
@JsonPropertyOrder({"id", "workspace", "upstream", "category", "openedAt", "declaredBy", "reason", "until",
        "failures", "recipes", "probes", "nextProbeAt", "probeIncidentId", "probeAttempt", "escalatedAt", "endedAt",
        "endedHow", "endedBy", "afterEnd", "released", "alerted", "alertedAt"})
class Outage {

    /** What becomes of the held members when the outage ends. */
    enum AfterEnd {
        /** Scheduled, oldest first, attempt counters unchanged. */
        RELEASE,
        /** Exhausted (the outage lasted past its maximum and the policy gives up). */
        EXHAUST
    }

    @Id
    private String id;
    private String workspace;
    private String upstream;
    private String category;
    @Column(name = "opened_at")
    private Instant openedAt;
    @Column(name = "declared_by")
    private String declaredBy;
    private String reason;
    private Instant until;
    private int failures;
    private int recipes;
    private int probes;
    @Column(name = "next_probe_at")
    private Instant nextProbeAt;
    @Column(name = "probe_incident_id")
    private String probeIncidentId;
    @Column(name = "probe_attempt")
    private Integer probeAttempt;
    @Column(name = "escalated_at")
    private Instant escalatedAt;
    @Column(name = "ended_at")
    private Instant endedAt;
    @Column(name = "ended_how")
    private String endedHow;
    @Column(name = "ended_by")
    private String endedBy;
    @Enumerated(EnumType.STRING)
    @Column(name = "after_end")
    private AfterEnd afterEnd;
    private int released;
    private String alerted;
    @Column(name = "alerted_at")
    private Instant alertedAt;

    protected Outage() {
    }

    private Outage(String id, String workspace, String upstream, String category, Instant openedAt, String declaredBy,
                   String reason, Instant until, int failures, int recipes, Instant nextProbeAt) {
        this.id = id;
        this.workspace = workspace;
        this.upstream = upstream;
        this.category = category;
        this.openedAt = openedAt;
        this.declaredBy = declaredBy;
        this.reason = reason;
        this.until = until;
        this.failures = failures;
        this.recipes = recipes;
        this.nextProbeAt = nextProbeAt;
        this.afterEnd = AfterEnd.RELEASE;
    }

    /**
     * A detected outage, not stored yet: {@code failures} of {@code recipes} recipes, first probe at
     * {@code firstProbeAt}.
     */
    static Outage detected(String id, String workspace, String upstream, String category, Instant openedAt,
                           int failures, int recipes, Instant firstProbeAt) {
        return new Outage(id, workspace, upstream, category, openedAt, null, null, null, failures, recipes,
                firstProbeAt);
    }

    /** An outage declared by {@code by} until {@code until}, not stored yet (never probed: holds until then). */
    static Outage declared(String id, String workspace, String upstream, Instant openedAt, String by, String reason,
                           Instant until) {
        return new Outage(id, workspace, upstream, null, openedAt, by, reason, until, 0, 0, until);
    }

    /** Declared again while open (by an operator, over a detected one too): its window moves. */
    void redeclare(String by, String reason, Instant until) {
        this.declaredBy = by;
        this.reason = reason;
        this.until = until;
        this.nextProbeAt = until;
    }

    /** Member {@code incidentId}'s attempt {@code attempt} is the probe in flight now. */
    void probeStarted(String incidentId, int attempt) {
        this.probeIncidentId = incidentId;
        this.probeAttempt = attempt;
    }

    /** The probe failed (or could not tell): one more probe counted, the next one due at {@code next}. */
    void probeFailed(Instant next) {
        this.probes++;
        this.nextProbeAt = next;
        clearProbe();
    }

    /** No probe in flight (none could be sent, or the one sent was dropped): the next is due at {@code next}. */
    void probeLater(Instant next) {
        this.nextProbeAt = next;
        clearProbe();
    }

    void escalated(Instant at) {
        this.escalatedAt = at;
    }

    /** Its thread shows {@code figures} (jobs/recipes/probes) since {@code at}. */
    void alerted(String figures, Instant at) {
        this.alerted = figures;
        this.alertedAt = at;
    }

    /** Ends it at {@code at}, {@code how} (and by whom, null: by AOF), its held members to {@code afterEnd}. */
    void end(Instant at, String how, String by, AfterEnd afterEnd) {
        this.endedAt = at;
        this.endedHow = how;
        this.endedBy = by;
        this.afterEnd = afterEnd;
        clearProbe();
    }

    private void clearProbe() {
        this.probeIncidentId = null;
        this.probeAttempt = null;
    }

    boolean isOpen() {
        return endedAt == null;
    }

    boolean isDeclared() {
        return declaredBy != null;
    }

    Duration lasted(Instant now) {
        return Duration.between(openedAt, endedAt != null ? endedAt : now);
    }

    String id() {
        return id;
    }

    String workspace() {
        return workspace;
    }

    String upstream() {
        return upstream;
    }

    String category() {
        return category;
    }

    Instant openedAt() {
        return openedAt;
    }

    String declaredBy() {
        return declaredBy;
    }

    String reason() {
        return reason;
    }

    Instant until() {
        return until;
    }

    int failures() {
        return failures;
    }

    int recipes() {
        return recipes;
    }

    int probes() {
        return probes;
    }

    Instant nextProbeAt() {
        return nextProbeAt;
    }

    String probeIncidentId() {
        return probeIncidentId;
    }

    Integer probeAttempt() {
        return probeAttempt;
    }

    Instant escalatedAt() {
        return escalatedAt;
    }

    Instant endedAt() {
        return endedAt;
    }

    String endedHow() {
        return endedHow;
    }

    String endedBy() {
        return endedBy;
    }

    AfterEnd afterEnd() {
        return afterEnd;
    }

    int released() {
        return released;
    }

    String alerted() {
        return alerted;
    }

    Instant alertedAt() {
        return alertedAt;
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof Outage o && id != null && id.equals(o.id);
    }

    @Override
    public int hashCode() {
        return id == null ? 0 : id.hashCode();
    }

    @Override
    public String toString() {
        return "Outage[" + id + " of " + upstream + (endedAt == null ? ", open" : ", ended") + "]";
    }
}
