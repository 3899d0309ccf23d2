package io.aof.orchestrator.incident;

import io.aof.common.ops.Actor;
import io.aof.common.ops.Problems;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.tags.Tag;
import jakarta.validation.Valid;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.transaction.support.TransactionTemplate;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

import java.security.Principal;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;

/**
 * Outages of upstreams for people: list, one with its members' figures, declare one by hand (a maintenance of
 * an upstream: hold everything of it until then), end one early. Actions are audited under the signed-in caller.
 */
@RestController
@Tag(name = "outages", description = "Outages of upstream systems: held retries, probes, release")
class OutageController {

    private final OutageRepository outages;
    private final OutageStore store;
    private final IncidentService service;
    private final TransactionTemplate tx;

    OutageController(OutageRepository outages, OutageStore store, IncidentService service, TransactionTemplate tx) {
        this.outages = outages;
        this.store = store;
        this.service = service;
        this.tx = tx;
    }

    /** An outage with its members now: jobs and recipes ever held for it, jobs held now, a sample of those. */
    record OutageView(Outage outage, int jobs, int recipes, int held, List<String> heldSample) {

        static OutageView of(Outage o, OutageStore repo, int sample) {
            OutageStore.Members m = repo.members(o.id());
            return new OutageView(o, m.jobs(), m.recipes(), m.held(), sample == 0 ? List.of()
                    : repo.heldOf(o.id(), sample));
        }
    }

    @GetMapping("/api/outages")
    @Operation(summary = "Outages newest first: state open, ended or all")
    List<OutageView> list(@RequestParam(defaultValue = "open") String state,
                          @RequestParam(defaultValue = "50") int limit) {
        if (limit < 1 || limit > 500) {
            throw Problems.of(HttpStatus.BAD_REQUEST, "limit must be between 1 and 500");
        }
        Boolean open = switch (state) {
            case "open" -> Boolean.TRUE;
            case "ended" -> Boolean.FALSE;
            case "all" -> null;
            default -> throw Problems.of(HttpStatus.BAD_REQUEST, "state must be open, ended or all");
        };
        return outages.list(open, limit).stream().map(o -> OutageView.of(o, store, 0)).toList();
    }

    @GetMapping("/api/outages/{id}")
    @Operation(summary = "One outage with its members' figures and up to 100 of its held incidents, oldest first")
    OutageView get(@PathVariable String id) {
        Outage o = outages.findById(id)
                .orElseThrow(() -> Problems.of(HttpStatus.NOT_FOUND, "No outage with id " + id));
        return OutageView.of(o, store, 100);
    }

    /** A declared outage: {@code until} or {@code minutes}; the upstream as incidents name it. */
    record DeclareRequest(@NotBlank @Size(max = 200) @Pattern(regexp = "[a-z0-9_.:@-]+",
            message = "upstream is named in lower case as incidents name it (netsuite, rest@api.acme.com, host:x.y)")
                          String upstream,
                          Instant until, @Min(1) @Max(10_080) Integer minutes,
                          @Size(max = 200) String requestedBy, @NotBlank @Size(max = 2000) String reason) {
    }

    @PostMapping("/api/outages")
    @Operation(summary = "Declare an outage of an upstream until a time: its retryable failures are held (no "
            + "attempt spent) until then, then released; declared again while open, the window is replaced")
    ResponseEntity<OutageView> declare(@Valid @RequestBody DeclareRequest body, Principal principal) {
        String actor = Actor.of(principal, body.requestedBy(), "outage of " + body.upstream());
        Instant now = Instant.now();
        Instant until = body.until() != null ? body.until().truncatedTo(ChronoUnit.MICROS)
                : body.minutes() != null ? now.plus(Duration.ofMinutes(body.minutes())).truncatedTo(ChronoUnit.MICROS)
                : null;
        if (until == null || !until.isAfter(now)) {
            throw Problems.of(HttpStatus.BAD_REQUEST, "give 'until' in the future or 'minutes'");
        }
        if (until.isAfter(now.plus(Duration.ofDays(7)))) {
            throw Problems.of(HttpStatus.BAD_REQUEST, "a declared outage may last at most 7 days");
        }
        Outage o = tx.execute(s -> service.declareOutage(body.upstream(), until, body.reason(), actor));
        return ResponseEntity.status(HttpStatus.CREATED).body(OutageView.of(o, store, 0));
    }

    record EndRequest(@Size(max = 200) String requestedBy, @NotBlank @Size(max = 2000) String reason) {
    }

    @PostMapping("/api/outages/{id}/end")
    @Operation(summary = "End an outage now: its held retries are released, oldest first, through the normal pacing")
    OutageView end(@PathVariable String id, @Valid @RequestBody EndRequest body, Principal principal) {
        String actor = Actor.of(principal, body.requestedBy(), "end of outage " + id);
        Boolean ended = tx.execute(s -> {
            Outage o = store.lock(id).orElseThrow(() -> Problems.of(HttpStatus.NOT_FOUND, "No outage with id " + id));
            if (!o.isOpen()) {
                throw Problems.of(HttpStatus.CONFLICT, "Outage " + id + " ended already (" + o.endedHow() + ")");
            }
            return service.endOutage(o, actor, body.reason());
        });
        if (!Boolean.TRUE.equals(ended)) {
            throw Problems.of(HttpStatus.CONFLICT, "Outage " + id + " ended already");
        }
        return OutageView.of(outages.findById(id).orElseThrow(), store, 0);
    }
}
