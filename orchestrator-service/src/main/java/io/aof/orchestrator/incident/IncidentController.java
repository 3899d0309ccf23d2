package io.aof.orchestrator.incident;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.aof.common.events.IncidentState;
import io.aof.common.ops.Actor;
import io.aof.common.ops.PageCursor;
import io.aof.common.ops.Problems;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.tags.Tag;
import jakarta.validation.Valid;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Positive;
import jakarta.validation.constraints.Size;
import org.springframework.dao.DataIntegrityViolationException;
import org.springframework.format.annotation.DateTimeFormat;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.transaction.support.TransactionTemplate;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

import java.security.Principal;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Map;

/**
 * Incidents for people: list with filters and keyset paging, one with its
 * attempts, and the operator actions (replay, resolve, suppress a recipe).
 * Every action is audited with the signed-in caller as its actor and the reason it gives. Errors are RFC 9457
 * problem details.
 */
@RestController
@Tag(name = "incidents", description = "Incidents and operator actions")
class IncidentController {

    private static final int MAX_LIMIT = 500;

    private final IncidentStore incidents;
    private final IncidentRepository repository;
    private final RecipeSuppressionRepository suppressions;
    private final IncidentService service;
    private final TransactionTemplate tx;

    private final BulkActions bulk;

    IncidentController(IncidentStore incidents, IncidentRepository repository,
                       RecipeSuppressionRepository suppressions, IncidentService service, TransactionTemplate tx,
                       BulkActions bulk) {
        this.bulk = bulk;
        this.incidents = incidents;
        this.repository = repository;
        this.suppressions = suppressions;
        this.service = service;
        this.tx = tx;
    }

    record Page(List<Incident> items, String next) {
    }

    @GetMapping("/api/incidents")
    @Operation(summary = "List incidents, newest first; pass 'next' back as 'after' for the next page")
    Page list(@RequestParam(required = false) IncidentState state,
              @RequestParam(required = false) Long recipeId,
              @RequestParam(required = false) String category,
              @RequestParam(required = false) String upstream,
              @RequestParam(required = false) String outageId,
              @RequestParam(required = false) @DateTimeFormat(iso = DateTimeFormat.ISO.DATE_TIME) Instant from,
              @RequestParam(required = false) @DateTimeFormat(iso = DateTimeFormat.ISO.DATE_TIME) Instant to,
              @RequestParam(required = false) String after,
              @RequestParam(defaultValue = "50") int limit) {
        if (limit < 1 || limit > MAX_LIMIT) {
            throw Problems.of(HttpStatus.BAD_REQUEST, "limit must be between 1 and " + MAX_LIMIT);
        }
        Instant afterOpenedAt = null;
        String afterId = null;
        if (after != null) {
            PageCursor cursor = PageCursor.parse(after);
            afterOpenedAt = cursor.at();
            afterId = cursor.key();
        }
        List<Incident> items = incidents.list(new IncidentStore.IncidentFilter(state, recipeId, category,
                upstream, outageId, from, to, afterOpenedAt, afterId), limit);
        String next = null;
        if (items.size() == limit) {
            Incident last = items.get(items.size() - 1);
            next = new PageCursor(last.openedAt(), last.id()).encode();
        }
        return new Page(items, next);
    }

    @GetMapping("/api/incidents/{id}")
    @Operation(summary = "One incident with its attempts")
    IncidentDetail get(@PathVariable String id) {
        Incident incident = repository.findWithAttemptsById(id)
                .orElseThrow(() -> Problems.of(HttpStatus.NOT_FOUND, "No incident with id " + id));
        return new IncidentDetail(incident, incident.attempts().stream().map(Attempt::of).toList());
    }

    /** An incident with its attempts, first first. */
    record IncidentDetail(Incident incident, List<Attempt> attempts) {
    }

    /**
     * One attempt as {@code GET /api/incidents/{id}} has always answered it (it returned the rows as JdbcTemplate
     * read them): the table's column names, and times as a {@link java.util.Date} is written (to the millisecond).
     * {@code outcome} is null until recovery reported one.
     */
    record Attempt(int attempt, @JsonProperty("requested_at") Date requestedAt,
                   @JsonProperty("accepted_at") Date acceptedAt, String outcome,
                   @JsonProperty("repeat_job_id") String repeatJobId, String error,
                   @JsonProperty("finished_at") Date finishedAt) {

        static Attempt of(IncidentAttempt a) {
            return new Attempt(a.attempt(), date(a.requestedAt()), date(a.acceptedAt()), a.outcome(),
                    a.repeatJobId(), a.error(), date(a.finishedAt()));
        }

        private static Date date(Instant at) {
            return at == null ? null : Date.from(at);
        }
    }

    @GetMapping("/api/incidents/hourly")
    @Operation(summary = "Per hour: incidents opened, recovered, exhausted, not retryable (for the ops page's charts)")
    List<IncidentStore.Hour> hourly(@RequestParam(defaultValue = "24") int hours) {
        if (hours < 1 || hours > 24 * 14) {
            throw Problems.of(HttpStatus.BAD_REQUEST, "hours must be between 1 and 336");
        }
        return incidents.hourly(hours);
    }

    @GetMapping("/api/incidents/summary")
    @Operation(summary = "How many incidents are in each state")
    Map<String, Long> summary() {
        return incidents.countByState();
    }

    /**
     * Why an operator acts (required, audited). Who acts is the signed-in caller; a {@code requestedBy} sent by
     * older scripts is ignored ({@link Actor}).
     */
    record OperatorRequest(@Size(max = 200) String requestedBy, @NotBlank @Size(max = 2000) String reason) {
    }

    @PostMapping("/api/incidents/{id}/replay")
    @Operation(summary = "Fresh attempts for an EXHAUSTED, NON_RETRYABLE or SUPPRESSED incident, or one RETRYING past "
            + "the outcome deadline (its pending request is cancelled); the first is due now")
    Incident replay(@PathVariable String id, @Valid @RequestBody OperatorRequest body, Principal principal) {
        String actor = Actor.of(principal, body.requestedBy(), "replay of " + id);
        return tx.execute(s -> service.replay(id, actor, body.reason()));
    }

    @PostMapping("/api/incidents/{id}/resolve")
    @Operation(summary = "Close an incident by hand; a scheduled retry is dropped and a repeat not yet sent is cancelled")
    Incident resolve(@PathVariable String id, @Valid @RequestBody OperatorRequest body, Principal principal) {
        String actor = Actor.of(principal, body.requestedBy(), "resolve of " + id);
        return tx.execute(s -> service.resolve(id, actor, body.reason()));
    }

    /** Which incidents a bulk action takes: every given field must match (at least one is required). */
    record BulkFilter(IncidentState state, Long recipeId, @Size(max = 100) String category,
                      @Size(max = 200) String upstream, @Size(max = 100) String outageId, Instant from, Instant to) {

        IncidentStore.IncidentFilter toFilter() {
            return new IncidentStore.IncidentFilter(state, recipeId, category, upstream, outageId, from, to);
        }
    }

    /**
     * A bulk action: {@code dryRun} true (the default) counts and samples; false acts, and must name in
     * {@code expectedCount} the count the dry run showed.
     */
    record BulkRequest(@NotNull BulkActions.Action action, @NotNull @Valid BulkFilter filter, Boolean dryRun,
                       Integer expectedCount, @Size(max = 200) String requestedBy,
                       @NotBlank @Size(max = 2000) String reason) {
    }

    @PostMapping("/api/incidents/bulk")
    @Operation(summary = "Replay or resolve every incident a filter matches (upstream, outageId, recipeId, category, "
            + "state, from, to): a dry run (the default) answers the count and a sample; then send dryRun false "
            + "with expectedCount = that count. Each incident is acted on and audited as one at a time would be")
    Object bulk(@Valid @RequestBody BulkRequest body, Principal principal) {
        if (body.dryRun() == null || body.dryRun()) {
            return bulk.preview(body.action(), body.filter().toFilter());
        }
        if (body.expectedCount() == null) {
            throw Problems.of(HttpStatus.BAD_REQUEST, "expectedCount is required to act: the count the dry run showed");
        }
        String actor = Actor.of(principal, body.requestedBy(), "bulk " + body.action());
        return bulk.apply(body.action(), body.filter().toFilter(), body.expectedCount(), actor, body.reason());
    }

    /** A maintenance window for one recipe: either {@code until} or {@code minutes}. */
    record SuppressionRequest(@NotNull @Positive Long recipeId, Instant until, @Min(1) @Max(43_200) Integer minutes,
                              @Size(max = 200) String requestedBy,
                              @NotBlank @Size(max = 2000) String reason) {
    }

    @PostMapping("/api/suppressions")
    @Operation(summary = "Suppress a recipe for a while: its failures are kept but not retried or announced until "
            + "the window ends (then scheduled or announced, by policy after-suppression); pending retries wait too")
    ResponseEntity<SuppressionSet> suppress(@Valid @RequestBody SuppressionRequest body, Principal principal) {
        String actor = Actor.of(principal, body.requestedBy(), "suppression of recipe " + body.recipeId());
        // the window is compared with the database's clock (RecipeSuppressionRepository.findActive, the release
        // sweep): measure it there; to the microsecond, as PostgreSQL keeps it, so the answer and the
        // IncidentSuppressed events say what is stored
        Instant now = incidents.databaseNow();
        Instant until = body.until() != null ? body.until().truncatedTo(java.time.temporal.ChronoUnit.MICROS)
                : body.minutes() != null ? now.plus(Duration.ofMinutes(body.minutes())) : null;
        if (until == null || !until.isAfter(now)) {
            throw Problems.of(HttpStatus.BAD_REQUEST, "give 'until' in the future or 'minutes'");
        }
        if (until.isAfter(now.plus(Duration.ofDays(30)))) {
            throw Problems.of(HttpStatus.BAD_REQUEST, "a suppression may last at most 30 days");
        }
        try {
            tx.executeWithoutResult(s -> service.suppressRecipe(body.recipeId(), until, body.reason(), actor));
        } catch (DataIntegrityViolationException sameMoment) {
            // another operator set this recipe's first window at the same moment (both inserted it) and committed
            // first: tried again, this one replaces that one, as the later of two windows always does (any other
            // integrity error fails the second try the same way and is answered as such)
            tx.executeWithoutResult(s -> service.suppressRecipe(body.recipeId(), until, body.reason(), actor));
        }
        return ResponseEntity.status(HttpStatus.CREATED)
                .body(new SuppressionSet(body.recipeId(), until, body.reason(), actor));
    }

    /** The window {@code POST /api/suppressions} set: until when, why, by whom. */
    record SuppressionSet(long recipeId, Instant until, String reason, String requestedBy) {
    }

    /**
     * A maintenance window as {@code GET /api/suppressions} has always answered it (it used to return the rows
     * as JdbcTemplate read them): the table's column names, and times as a {@link Date} is written (always to
     * the millisecond, {@code 2026-11-28T10:00:00.000Z}), not as an {@link Instant} is.
     */
    record SuppressionView(@JsonProperty("recipe_id") long recipeId, Date until, String reason,
                           @JsonProperty("requested_by") String requestedBy,
                           @JsonProperty("created_at") Date createdAt) {

        static SuppressionView of(RecipeSuppression s) {
            return new SuppressionView(s.recipeId(), Date.from(s.until()), s.reason(), s.requestedBy(),
                    Date.from(s.createdAt()));
        }
    }

    @GetMapping("/api/suppressions")
    @Operation(summary = "Recipes suppressed now")
    List<SuppressionView> suppressions() {
        return suppressions.findAllActive().stream().map(SuppressionView::of).toList();
    }

    @DeleteMapping("/api/suppressions/{recipeId}")
    @Operation(summary = "End a recipe's suppression now")
    ResponseEntity<Void> unsuppress(@PathVariable long recipeId, @RequestParam(required = false) String requestedBy,
                                    @RequestParam(required = false) String reason, Principal principal) {
        if (reason == null || reason.isBlank()) {
            throw Problems.of(HttpStatus.BAD_REQUEST, "reason is required");
        }
        String actor = Actor.of(principal, requestedBy, "end of the suppression of recipe " + recipeId);
        Boolean removed = tx.execute(s -> service.unsuppressRecipe(recipeId, actor, reason));
        if (!Boolean.TRUE.equals(removed)) {
            throw Problems.of(HttpStatus.NOT_FOUND, "Recipe " + recipeId + " is not suppressed");
        }
        return ResponseEntity.noContent().build();
    }
}
