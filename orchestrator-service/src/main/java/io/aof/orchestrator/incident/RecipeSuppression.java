package io.aof.orchestrator.incident;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.PostLoad;
import jakarta.persistence.PostPersist;
import jakarta.persistence.Table;
import jakarta.persistence.Transient;
import org.hibernate.annotations.Generated;
import org.hibernate.generator.EventType;
import org.springframework.data.domain.Persistable;

import java.time.Instant;

/**
 * A recipe's maintenance window: until when its failures are kept but neither repeated nor announced, why, and
 * who set it. At most one per recipe (its id is the recipe's): setting another replaces it. Whether it is on is
 * always asked of the database's clock ({@link RecipeSuppressionRepository#findActive}), the clock the release
 * sweep compares with; {@code createdAt} is when it was last set, on that clock too.
 */
@Entity
@Table(name = "recipe_suppression")
class RecipeSuppression implements Persistable<Long> {

    @Id
    @Column(name = "recipe_id")
    private Long recipeId;

    @Column(name = "until", nullable = false)
    private Instant until;

    @Column(name = "reason", nullable = false)
    private String reason;

    @Column(name = "requested_by", nullable = false)
    private String requestedBy;

    // now() by the database on insert and on update (not @CurrentTimestamp: it writes localtimestamp, a time
    // without zone, converted to this timestamptz column in the session's time zone)
    @Generated(event = {EventType.INSERT, EventType.UPDATE}, sql = "now()")
    @Column(name = "created_at", nullable = false)
    private Instant createdAt;

    /** A window made here and not stored yet: saved with an INSERT, not looked up first (its id is assigned). */
    @Transient
    private boolean fresh;

    protected RecipeSuppression() {
    }

    RecipeSuppression(long recipeId, Instant until, String reason, String requestedBy) {
        this.recipeId = recipeId;
        this.until = until;
        this.reason = reason;
        this.requestedBy = requestedBy;
        this.fresh = true;
    }

    /** Another window replaces this one (its end, its reason, who set it). */
    void replaceWith(Instant until, String reason, String requestedBy) {
        this.until = until;
        this.reason = reason;
        this.requestedBy = requestedBy;
    }

    long recipeId() {
        return recipeId;
    }

    Instant until() {
        return until;
    }

    String reason() {
        return reason;
    }

    String requestedBy() {
        return requestedBy;
    }

    Instant createdAt() {
        return createdAt;
    }

    @Override
    public Long getId() {
        return recipeId;
    }

    @Override
    public boolean isNew() {
        return fresh;
    }

    @PostLoad
    @PostPersist
    void stored() {
        fresh = false;
    }
}
