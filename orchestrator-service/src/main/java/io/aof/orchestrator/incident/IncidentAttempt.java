package io.aof.orchestrator.incident;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.FetchType;
import jakarta.persistence.Id;
import jakarta.persistence.IdClass;
import jakarta.persistence.JoinColumn;
import jakarta.persistence.ManyToOne;
import jakarta.persistence.Table;
import org.hibernate.annotations.DynamicUpdate;

import java.io.Serializable;
import java.time.Instant;

/**
 * One repeat of an incident's job asked of recovery, and how it ended; part of its {@link Incident} aggregate
 * (changed only with the incident taken by {@link IncidentStore#lock}). {@code waitingSince} is the last sign
 * that recovery holds the request (requested, accepted, deferred, requested again): the outcome deadline counts
 * from it; {@code outcomeAsks} how often the orchestrator asked recovery for the outcome since, last at
 * {@code lastAskedAt}. {@code outcome} is null until recovery reported one (or the orchestrator gave up waiting).
 */
@Entity
@Table(name = "incident_attempt")
@IdClass(IncidentAttempt.Key.class)
@DynamicUpdate
class IncidentAttempt {

    /** The primary key: the incident's id and the attempt's number. */
    record Key(String incidentId, int attempt) implements Serializable {
    }

    @Id
    @Column(name = "incident_id")
    private String incidentId;
    @Id
    private int attempt;
    @ManyToOne(fetch = FetchType.LAZY)
    @JoinColumn(name = "incident_id", insertable = false, updatable = false)
    private Incident incident;
    @Column(name = "requested_at")
    private Instant requestedAt;
    @Column(name = "accepted_at")
    private Instant acceptedAt;
    @Column(name = "waiting_since")
    private Instant waitingSince;
    @Column(name = "outcome_asks")
    private int outcomeAsks;
    @Column(name = "last_asked_at")
    private Instant lastAskedAt;
    private String outcome;
    @Column(name = "repeat_job_id")
    private String repeatJobId;
    private String error;
    @Column(name = "finished_at")
    private Instant finishedAt;

    protected IncidentAttempt() {
        // for JPA
    }

    IncidentAttempt(Incident incident, int attempt, Instant now) {
        this.incident = incident;
        this.incidentId = incident.id();
        this.attempt = attempt;
        this.requestedAt = now;
        this.waitingSince = now;
    }

    /** Workato accepted the repeat at {@code at}: the outcome deadline counts from now, asks from zero. */
    void accepted(Instant at, Instant now) {
        this.acceptedAt = at;
        waiting(now);
    }

    /**
     * A sign that recovery holds the attempt (deferred, still in progress when asked, requested again): the
     * outcome deadline counts from now, and the asks so far were answered, so the count starts again.
     */
    void waiting(Instant now) {
        this.waitingSince = now;
        this.outcomeAsks = 0;
    }

    /** The orchestrator asked recovery for the outcome once more. */
    void asked(Instant now) {
        this.outcomeAsks++;
        this.lastAskedAt = now;
    }

    /** How it ended: recovery's outcome ({@code SUCCEEDED}, {@code FAILED}, ...), or why it was given up. */
    void finished(String outcome, String repeatJobId, String error, Instant now) {
        this.outcome = outcome;
        this.repeatJobId = repeatJobId;
        this.error = error;
        this.finishedAt = now;
    }

    int attempt() {
        return attempt;
    }

    Instant requestedAt() {
        return requestedAt;
    }

    Instant acceptedAt() {
        return acceptedAt;
    }

    String outcome() {
        return outcome;
    }

    String repeatJobId() {
        return repeatJobId;
    }

    String error() {
        return error;
    }

    Instant finishedAt() {
        return finishedAt;
    }
}
