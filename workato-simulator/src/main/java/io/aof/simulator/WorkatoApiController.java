package io.aof.simulator;

import jakarta.servlet.http.HttpServletRequest;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;

/**
 * The Workato Developer API endpoints AOF uses, under {@code /api}, with bearer
 * auth and Workato's rate limits (429 with {@code Retry-After}). Every call,
 * refused or not, is counted by {@link CallCounter}.
 */
@RestController
@RequestMapping("/api")
class WorkatoApiController {

    private final Workspace workspace;
    private final CallCounter counter;
    private final SimulatorProperties props;
    private final RateLimiter reads;
    private final RateLimiter repeats;
    private final Outage outage;
    private final Slowdown slowdown;

    WorkatoApiController(Workspace workspace, CallCounter counter, SimulatorProperties props, Outage outage,
                         Slowdown slowdown) {
        this.workspace = workspace;
        this.slowdown = slowdown;
        this.outage = outage;
        this.counter = counter;
        this.props = props;
        this.reads = new RateLimiter(props.readsPerMinute(), Duration.ofMinutes(1));
        this.repeats = new RateLimiter(props.repeatsPerSecond(), Duration.ofSeconds(1));
    }

    @GetMapping("/recipes")
    ResponseEntity<?> listRecipes(HttpServletRequest req, @RequestParam(defaultValue = "1") int page,
                                  @RequestParam(name = "per_page", defaultValue = "10") int perPage,
                                  @RequestParam(name = "folder_id", required = false) Long folderId,
                                  @RequestParam(name = "with_subfolders", defaultValue = "false")
                                  boolean withSubfolders) {
        // the simulated workspace has flat folders: with_subfolders changes nothing here
        return guarded(req, "list_recipes", reads, () -> {
            if (perPage < 1 || perPage > 100) {
                return error(HttpStatus.BAD_REQUEST, "per_page must be between 1 and 100");
            }
            return ResponseEntity.ok(Map.of("items", workspace.listRecipes(page, perPage, folderId)));
        });
    }

    @GetMapping("/recipes/{recipeId}")
    ResponseEntity<?> getRecipe(HttpServletRequest req, @PathVariable long recipeId) {
        return guarded(req, "get_recipe", recipeId, null, reads,
                () -> ResponseEntity.ok(workspace.getRecipe(recipeId)));
    }

    @GetMapping("/recipes/{recipeId}/jobs")
    ResponseEntity<?> listJobs(HttpServletRequest req, @PathVariable long recipeId,
                               @RequestParam(required = false) String status,
                               @RequestParam(name = "offset_job_id", required = false) String offsetJobId,
                               @RequestParam(defaultValue = "false") boolean prev,
                               @RequestParam(name = "rerun_only", defaultValue = "false") boolean rerunOnly,
                               @RequestParam(name = "per_page", required = false) Integer perPage) {
        return guarded(req, "list_jobs", recipeId, null, reads, () -> {
            if (status != null && !List.of("succeeded", "failed", "pending").contains(status)) {
                return error(HttpStatus.BAD_REQUEST, "status must be succeeded, failed or pending");
            }
            int size = perPage == null ? props.jobsPageSize() : Math.max(1, Math.min(perPage, 100));
            return ResponseEntity.ok(workspace.listJobs(recipeId, status, offsetJobId, prev, rerunOnly, size));
        });
    }

    @GetMapping("/recipes/{recipeId}/jobs/{handle}")
    ResponseEntity<?> getJob(HttpServletRequest req, @PathVariable long recipeId, @PathVariable String handle) {
        return guarded(req, "get_job", recipeId, List.of(handle), reads,
                () -> ResponseEntity.ok(workspace.getJob(recipeId, handle)));
    }

    @PostMapping("/recipes/{recipeId}/repeat_jobs")
    ResponseEntity<?> repeatJobs(HttpServletRequest req, @PathVariable long recipeId,
                                 @RequestBody(required = false) Map<String, Object> body) {
        Object requested = body == null ? null : body.get("job_ids");
        List<String> asked = requested instanceof List<?> l ? l.stream().map(String::valueOf).toList() : List.of();
        return guarded(req, "repeat_jobs", recipeId, asked, repeats, () -> {
            Object ids = body == null ? null : body.get("job_ids");
            if (!(ids instanceof List<?> list) || list.isEmpty()) {
                return error(HttpStatus.BAD_REQUEST, "job_ids must be a non-empty array");
            }
            if (list.size() > 25) {
                return error(HttpStatus.BAD_REQUEST, "at most 25 job_ids per request");
            }
            List<String> jobIds = list.stream().map(String::valueOf).toList();
            counter.countRepeatIds(jobIds.size());
            return ResponseEntity.ok(Map.of("results", workspace.repeat(recipeId, jobIds)));
        });
    }

    @ExceptionHandler(NoSuchElementException.class)
    ResponseEntity<?> notFound(NoSuchElementException e) {
        return error(HttpStatus.NOT_FOUND, e.getMessage());
    }

    private ResponseEntity<?> guarded(HttpServletRequest req, String endpoint, RateLimiter limiter,
                                      java.util.function.Supplier<ResponseEntity<?>> call) {
        return guarded(req, endpoint, null, null, limiter, call);
    }

    /** Every call is counted and recorded with its timing ({@code /sim/calls/log}). */
    private ResponseEntity<?> guarded(HttpServletRequest req, String endpoint, Long recipeId, List<String> jobIds,
                                      RateLimiter limiter, java.util.function.Supplier<ResponseEntity<?>> call) {
        long arrived = System.currentTimeMillis();
        // in flight by endpoint and by the Host the caller addressed (instances can be told apart that way)
        String caller = endpoint + "@" + req.getHeader("Host");
        slowdown.started(endpoint);
        slowdown.started(caller);
        ResponseEntity<?> answer;
        try {
            answer = answer(req, endpoint, limiter, call);
        } finally {
            slowdown.ended(endpoint);
            slowdown.ended(caller);
        }
        String retryAfter = answer.getHeaders().getFirst("Retry-After");
        counter.record(endpoint, recipeId, arrived, System.currentTimeMillis(), answer.getStatusCode().value(),
                retryAfter == null ? 0 : Long.parseLong(retryAfter), jobIds);
        return answer;
    }

    private ResponseEntity<?> answer(HttpServletRequest req, String endpoint, RateLimiter limiter,
                                     java.util.function.Supplier<ResponseEntity<?>> call) {
        String auth = req.getHeader("Authorization");
        if (auth == null || !auth.startsWith("Bearer ") || auth.length() <= 7
                || (!props.apiToken().isEmpty() && !props.apiToken().equals(auth.substring(7)))) {
            counter.count(endpoint, 401);
            return error(HttpStatus.UNAUTHORIZED, "Unauthorized");
        }
        int down = outage.current();
        if (down > 0) {
            counter.count(endpoint, down);
            if (down == 429) {
                return ResponseEntity.status(HttpStatus.TOO_MANY_REQUESTS)
                        .header("Retry-After", String.valueOf(outage.secondsLeft()))
                        .body(Map.of("message", "Too many requests (simulated)"));
            }
            return error(HttpStatus.valueOf(down), "Service unavailable (simulated outage)");
        }
        long wait = limiter.tryAcquire();
        if (wait > 0) {
            counter.count(endpoint, 429);
            return ResponseEntity.status(HttpStatus.TOO_MANY_REQUESTS).header("Retry-After", String.valueOf(wait))
                    .body(Map.of("message", "Too many requests"));
        }
        long slow = slowdown.take(endpoint);
        if (slow > 0) {
            try {
                Thread.sleep(slow);   // Workato takes its time; the call takes effect even if its caller is gone
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        ResponseEntity<?> response;
        try {
            response = call.get();
        } catch (NoSuchElementException e) {
            response = error(HttpStatus.NOT_FOUND, e.getMessage());
        }
        counter.count(endpoint, response.getStatusCode().value());
        return response;
    }

    private static ResponseEntity<?> error(HttpStatus status, String message) {
        return ResponseEntity.status(status).body(Map.of("message", message));
    }
}
