package io.aof.orchestrator.incident;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import org.hibernate.annotations.Generated;

import java.time.Instant;

/**
 * One operator action in the orchestrator's audit trail: who did what, on what, and why; {@code at} is the
 * database's time of the insert. Written once, never changed (kept 400 days by its retention rule).
 */
@Entity
@Table(name = "operator_action")
class OperatorAction {

    @Id
    @GeneratedValue(strategy = GenerationType.IDENTITY)
    @Column(name = "id")
    private Long id;

    @Generated
    @Column(name = "at", insertable = false, updatable = false)
    private Instant at;

    @Column(name = "requested_by", nullable = false, updatable = false)
    private String requestedBy;

    @Column(name = "action", nullable = false, updatable = false)
    private String action;

    @Column(name = "target", nullable = false, updatable = false)
    private String target;

    @Column(name = "reason", nullable = false, updatable = false)
    private String reason;

    protected OperatorAction() {
    }

    OperatorAction(String requestedBy, String action, String target, String reason) {
        this.requestedBy = requestedBy;
        this.action = action;
        this.target = target;
        this.reason = reason;
    }

    Long id() {
        return id;
    }

    Instant at() {
        return at;
    }

    String requestedBy() {
        return requestedBy;
    }

    String action() {
        return action;
    }

    String target() {
        return target;
    }

    String reason() {
        return reason;
    }
}
