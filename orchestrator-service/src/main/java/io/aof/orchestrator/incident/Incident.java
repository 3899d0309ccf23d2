package io.aof.orchestrator.incident;

import com.fasterxml.jackson.annotation.JsonAutoDetect;
import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import io.aof.common.events.Category;
import io.aof.common.events.IncidentState;
import jakarta.persistence.CascadeType;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.EnumType;
import jakarta.persistence.Enumerated;
import jakarta.persistence.Id;
import jakarta.persistence.OneToMany;
import jakarta.persistence.OrderBy;
import jakarta.persistence.Table;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * An incident: one original failed job (or one recipe Workato stopped), with its attempts. {@code notRepeatable}
 * is why collation said the job must never be repeated (null when it may be); {@code webhookSource} the webhook
 * source that reported the failure which opened it (null: a poll found it). {@code upstream} is the system its
 * job failed against (null: nothing named it); {@code outageId} the outage of that upstream it was held for
 * (null: never held); {@code announced} whether ops were told of it one by one (its first failure).
 *
 * <p>A JPA aggregate: opened by {@link IncidentStore#insert} (an insert that does nothing when a concurrent
 * consumer opened it first), then changed only through the methods below on an instance that
 * {@link IncidentStore#lock} took (the row locked until the transaction ends), together with its attempts
 * ({@link IncidentAttempt}); the changes are written before any SQL on incidents runs in the transaction (the
 * stores flush first), or at the commit. Times are the database's clock of the transaction ({@link IncidentStore#databaseNow}), as
 * the SQL before it wrote {@code now()}. Its update is Hibernate's one prepared statement of every column (not
 * built per change, as {@code @DynamicUpdate} would: the hot path's CPU; the row is locked, so no column written
 * unchanged overwrites another's change). Written to JSON
 * as the record it was: its fields by name, in this order, without its attempts.
 */
@Entity
@Table(name = "incident")
@JsonAutoDetect(fieldVisibility = JsonAutoDetect.Visibility.ANY, getterVisibility = JsonAutoDetect.Visibility.NONE,
        isGetterVisibility = JsonAutoDetect.Visibility.NONE)
@JsonPropertyOrder({"id", "workspace", "recipeId", "recipeName", "folderId", "originalJobId", "category", "state",
        "attempt", "maxAttempts", "nextRetryAt", "lastError", "openedAt", "updatedAt", "closedAt", "kind", "replays",
        "notRepeatable", "webhookSource", "upstream", "outageId", "announced"})
class Incident {

    /** What opened the incident. */
    enum Kind {
        /** A failed job, collected by a poll or a webhook: repeated by its category's policy. */
        JOB_FAILURE,
        /** Workato stopped the recipe (trigger errors): escalated at once, never repeated. */
        RECIPE_STOPPED
    }

    @Id
    private String id;
    private String workspace;
    @Column(name = "recipe_id")
    private long recipeId;
    @Column(name = "recipe_name")
    private String recipeName;
    @Column(name = "folder_id")
    private Long folderId;
    @Column(name = "original_job_id")
    private String originalJobId;
    @Enumerated(EnumType.STRING)
    private Category category;
    @Enumerated(EnumType.STRING)
    private IncidentState state;
    private int attempt;
    @Column(name = "max_attempts")
    private int maxAttempts;
    @Column(name = "next_retry_at")
    private Instant nextRetryAt;
    @Column(name = "last_error")
    private String lastError;
    @Column(name = "opened_at")
    private Instant openedAt;
    @Column(name = "updated_at")
    private Instant updatedAt;
    @Column(name = "closed_at")
    private Instant closedAt;
    @Enumerated(EnumType.STRING)
    private Kind kind;
    private int replays;
    @Column(name = "not_repeatable")
    private String notRepeatable;
    @Column(name = "webhook_source")
    private String webhookSource;
    private String upstream;
    @Column(name = "outage_id")
    private String outageId;
    private boolean announced;

    @OneToMany(mappedBy = "incident", cascade = CascadeType.PERSIST)
    @OrderBy("attempt")
    @JsonIgnore
    private List<IncidentAttempt> attempts = new ArrayList<>();

    protected Incident() {
        // for JPA
    }

    Incident(String id, String workspace, long recipeId, String recipeName, Long folderId, String originalJobId,
             Category category, IncidentState state, int attempt, int maxAttempts, Instant nextRetryAt,
             String lastError, Instant openedAt, Instant updatedAt, Instant closedAt, Kind kind, int replays,
             String notRepeatable, String webhookSource, String upstream, String outageId, boolean announced) {
        this.id = id;
        this.workspace = workspace;
        this.recipeId = recipeId;
        this.recipeName = recipeName;
        this.folderId = folderId;
        this.originalJobId = originalJobId;
        this.category = category;
        this.state = state;
        this.attempt = attempt;
        this.maxAttempts = maxAttempts;
        this.nextRetryAt = nextRetryAt;
        this.lastError = lastError;
        this.openedAt = openedAt;
        this.updatedAt = updatedAt;
        this.closedAt = closedAt;
        this.kind = kind;
        this.replays = replays;
        this.notRepeatable = notRepeatable;
        this.webhookSource = webhookSource;
        this.upstream = upstream;
        this.outageId = outageId;
        this.announced = announced;
    }

    /**
     * A state change at {@code now}: the attempt counter and next retry time as given, {@code lastError} kept
     * unless a new one is given; a terminal state closes the incident, any other (re)opens it; {@code announce}:
     * ops are told of it one by one from now on (never taken back).
     */
    void moveTo(IncidentState state, int attempt, Instant nextRetryAt, String lastError, boolean announce,
                Instant now) {
        this.state = state;
        this.attempt = attempt;
        this.nextRetryAt = nextRetryAt;
        if (lastError != null) {
            this.lastError = lastError;
        }
        this.updatedAt = now;
        this.closedAt = state.isTerminal() ? now : null;
        this.announced |= announce;
    }

    /** Held for outage {@code outageId}: no retry due, its attempt counter unchanged, open. */
    void heldFor(String outageId, String lastError, Instant now) {
        moveTo(IncidentState.HELD, attempt, null, lastError, false, now);
        this.outageId = outageId;
    }

    /** An operator's replay: attempts allowed up to {@code maxAttempts}, one more replay (part of dedup keys). */
    void replayed(int maxAttempts) {
        this.replays++;
        this.maxAttempts = maxAttempts;
    }

    /**
     * An attempt's request was cancelled before it was sent: its number is used up (the next request takes the
     * next one), but the attempt was not spent, so one more attempt number is allowed.
     */
    void allowOneMoreAttempt() {
        this.maxAttempts++;
    }

    /** Attempt {@code n} is asked of recovery at {@code now} (nothing when it was asked before). */
    void attemptRequested(int n, Instant now) {
        if (attemptNo(n).isEmpty()) {
            attempts.add(new IncidentAttempt(this, n, now));
        }
    }

    /** Attempt {@code n}, if it was requested. */
    Optional<IncidentAttempt> attemptNo(int n) {
        return attempts.stream().filter(a -> a.attempt() == n).findFirst();
    }

    /** Its attempts, first first. */
    List<IncidentAttempt> attempts() {
        return List.copyOf(attempts);
    }

    String id() {
        return id;
    }

    String workspace() {
        return workspace;
    }

    long recipeId() {
        return recipeId;
    }

    String recipeName() {
        return recipeName;
    }

    Long folderId() {
        return folderId;
    }

    String originalJobId() {
        return originalJobId;
    }

    Category category() {
        return category;
    }

    IncidentState state() {
        return state;
    }

    int attempt() {
        return attempt;
    }

    int maxAttempts() {
        return maxAttempts;
    }

    Instant nextRetryAt() {
        return nextRetryAt;
    }

    String lastError() {
        return lastError;
    }

    Instant openedAt() {
        return openedAt;
    }

    Instant updatedAt() {
        return updatedAt;
    }

    Instant closedAt() {
        return closedAt;
    }

    Kind kind() {
        return kind;
    }

    int replays() {
        return replays;
    }

    String notRepeatable() {
        return notRepeatable;
    }

    String webhookSource() {
        return webhookSource;
    }

    String upstream() {
        return upstream;
    }

    String outageId() {
        return outageId;
    }

    boolean announced() {
        return announced;
    }

    @Override
    public String toString() {
        return "Incident[" + id + " " + state + " attempt " + attempt + "/" + maxAttempts + "]";
    }
}
