package io.aof.simulator;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;

/**
 * The simulator's own controls under {@code /sim} (not part of Workato's API):
 * script recipes, fire their triggers, read the call counts and the Slack sink.
 */
@RestController
@RequestMapping("/sim")
class SimulatorAdminController {

    private final Workspace workspace;
    private final CallCounter counter;
    private final SlackSink sink;
    private final Outage outage;

    private final ObjectProvider<MailSink> mail;
    private final Slowdown slowdown;

    SimulatorAdminController(Workspace workspace, CallCounter counter, SlackSink sink, Outage outage,
                             ObjectProvider<MailSink> mail, Slowdown slowdown) {
        this.slowdown = slowdown;
        this.mail = mail;
        this.outage = outage;
        this.workspace = workspace;
        this.counter = counter;
        this.sink = sink;
    }

    /** @param connector the connector of the recipe's action step ({@code adapter_name}); absent: {@code rest} */
    record NewRecipe(String name, Long folderId, Behaviour behaviour, String connector) {
    }

    @PostMapping("/recipes")
    ResponseEntity<Map<String, Object>> addRecipe(@RequestBody NewRecipe body) {
        if (body.name() == null || body.name().isBlank()) {
            throw new IllegalArgumentException("name is required");
        }
        Behaviour b = body.behaviour() == null ? Behaviour.healthy() : body.behaviour();
        return ResponseEntity.status(HttpStatus.CREATED).body(workspace.addRecipe(body.name(), body.folderId(), b,
                body.connector()));
    }

    @PutMapping("/recipes/{recipeId}/behaviour")
    void setBehaviour(@PathVariable long recipeId, @RequestBody Behaviour behaviour) {
        workspace.setBehaviour(recipeId, behaviour);
    }

    /** Runs jobs as the trigger would; {@code test=true} runs them as test jobs, as from the recipe editor. */
    @PostMapping("/recipes/{recipeId}/trigger")
    Map<String, Object> trigger(@PathVariable long recipeId, @RequestParam(defaultValue = "1") int count,
                                @RequestParam(defaultValue = "false") boolean test) {
        if (count < 1 || count > 1000) {
            throw new IllegalArgumentException("count must be between 1 and 1000");
        }
        return Map.of("job_ids", workspace.trigger(recipeId, count, test));
    }

    /**
     * Every job of the recipe calls recipe {@code called} (a recipe function);
     * {@code fails_with_called=false} makes the caller handle the called job's error.
     */
    @PutMapping("/recipes/{recipeId}/calls")
    Map<String, Object> calls(@PathVariable long recipeId, @RequestParam long called,
                              @RequestParam(name = "fails_with_called", defaultValue = "true") boolean failsWithCalled) {
        workspace.setCalls(recipeId, called, failsWithCalled);
        return Map.of("recipe_id", recipeId, "calls", called, "fails_with_called", failsWithCalled);
    }

    @PostMapping("/recipes/{recipeId}/stop")
    void stop(@PathVariable long recipeId, @RequestParam(name = "stop_cause", defaultValue = "trigger_errors_limit")
            String stopCause) {
        workspace.stopByWorkato(recipeId, stopCause);
    }

    /** Every Workato API call answers {@code status} (a 5xx or 429) for {@code seconds}. */
    @PutMapping("/outage")
    Map<String, Object> outage(@RequestParam(defaultValue = "503") int status,
                               @RequestParam(defaultValue = "60") long seconds) {
        if (status < 400 || status > 599 || seconds < 1 || seconds > 3600) {
            throw new IllegalArgumentException("status must be 400..599 and seconds 1..3600");
        }
        outage.start(status, seconds);
        return Map.of("status", status, "seconds", seconds);
    }

    @DeleteMapping("/outage")
    void endOutage() {
        outage.end();
    }

    /**
     * An outage of one connector for {@code seconds} (1..86400): every execution of a recipe using it that ends
     * meanwhile fails with the connector's error, whatever the recipe's behaviour. Again: moves the end.
     */
    @PutMapping("/connectors/{connector}/outage")
    Map<String, Object> connectorOutage(@PathVariable String connector,
                                        @RequestParam(defaultValue = "3600") long seconds) {
        return workspace.startConnectorOutage(connector, seconds);
    }

    /** Ends a connector's outage; {@code ended} says whether one was under way. */
    @DeleteMapping("/connectors/{connector}/outage")
    Map<String, Object> endConnectorOutage(@PathVariable String connector) {
        boolean ended = workspace.endConnectorOutage(connector);
        return Map.of("connector", connector, "ended", ended);
    }

    /** The connector outages under way, by connector name, with their end. */
    @GetMapping("/connectors/outages")
    List<Map<String, Object>> connectorOutages() {
        return workspace.connectorOutages();
    }

    @GetMapping("/jobs/{jobId}")
    Map<String, Object> job(@PathVariable String jobId) {
        return workspace.job(jobId).orElseThrow(() -> new NoSuchElementException("job " + jobId + " not found"));
    }

    /** Calls received by endpoint and status, and how many repeats each original job got. */
    @GetMapping("/calls")
    Map<String, Object> calls() {
        return Map.of("api", counter.snapshot(), "repeats_by_original_job", workspace.repeatsByOriginalJob(),
                "refused_repeats", workspace.refusedRepeats());
    }

    /**
     * Every Workato API call in arrival order from sequence number {@code from}: endpoint, recipe, arrival and
     * answer times (epoch ms), status, the Retry-After answered (seconds) and a repeat's job ids.
     */
    @GetMapping("/calls/log")
    List<Map<String, Object>> callLog(@RequestParam(defaultValue = "0") int from,
                                      @RequestParam(defaultValue = "10000") int limit) {
        return counter.log(from, limit);
    }

    /** Every job of the workspace from sequence number {@code from} on (creation order). */
    @GetMapping("/jobs")
    List<Map<String, Object>> jobs(@RequestParam(defaultValue = "0") long from) {
        return workspace.allJobs(from);
    }

    /**
     * The next {@code times} calls of {@code endpoint} (e.g. repeat_jobs; 0: until cleared) wait {@code millis}
     * before Workato acts on them; {@code GET} says which calls are in flight now.
     */
    @PutMapping("/slow")
    Map<String, Object> slow(@RequestParam String endpoint, @RequestParam long millis,
                             @RequestParam(defaultValue = "0") int times) {
        slowdown.set(endpoint, millis, times);
        return Map.of("endpoint", endpoint, "millis", millis, "times", times);
    }

    @GetMapping("/slow")
    Map<String, Object> inFlight() {
        return Map.of("in_flight", slowdown.inFlight());
    }

    @DeleteMapping("/slow")
    void clearSlow(@RequestParam(required = false) String endpoint) {
        slowdown.clear(endpoint);
    }

    @GetMapping("/slack/messages")
    List<Map<String, Object>> slackMessages(@RequestParam(required = false) String channel) {
        return sink.messages().stream().filter(m -> channel == null || channel.equals(m.get("channel"))).toList();
    }

    @DeleteMapping("/slack/messages")
    void clearSlack() {
        sink.clear();
    }

    /**
     * Slack trouble for one channel: {@code status} 503 (down) or 429 (rate limited, with
     * {@code retryAfter} seconds), for the next {@code times} messages (0: until cleared).
     */
    @PutMapping("/slack/trouble")
    Map<String, Object> slackTrouble(@RequestParam String channel, @RequestParam(defaultValue = "503") int status,
                                     @RequestParam(defaultValue = "1") int retryAfter,
                                     @RequestParam(defaultValue = "0") int times) {
        if (status != 429 && status / 100 != 5) {
            throw new IllegalArgumentException("status must be 429 or 5xx");
        }
        sink.trouble(channel, status, retryAfter, times);
        return Map.of("channel", channel, "status", status, "times", times);
    }

    @DeleteMapping("/slack/trouble")
    Map<String, Object> clearSlackTrouble(@RequestParam(required = false) String channel) {
        sink.clearTrouble(channel);
        return Map.of("refused", sink.refused());
    }

    /** What the mail catcher received (404 when it is not running: {@code sim.smtp-port} unset). */
    @GetMapping("/mail/messages")
    List<Map<String, Object>> mailMessages(@RequestParam(required = false) String to) {
        MailSink sink = mail.getIfAvailable();
        if (sink == null) {
            throw new NoSuchElementException("the mail catcher is off; start the simulator with sim.smtp-port");
        }
        return sink.messages().stream().filter(m -> to == null || String.valueOf(m.get("to")).contains(to))
                .toList();
    }

    @DeleteMapping("/mail/messages")
    void clearMail() {
        MailSink sink = mail.getIfAvailable();
        if (sink != null) {
            sink.clear();
        }
    }

    @ExceptionHandler(NoSuchElementException.class)
    ResponseEntity<Map<String, String>> notFound(NoSuchElementException e) {
        return ResponseEntity.status(HttpStatus.NOT_FOUND).body(Map.of("message", e.getMessage()));
    }

    @ExceptionHandler(IllegalArgumentException.class)
    ResponseEntity<Map<String, String>> badRequest(IllegalArgumentException e) {
        return ResponseEntity.badRequest().body(Map.of("message", e.getMessage()));
    }

    @ExceptionHandler(org.springframework.http.converter.HttpMessageNotReadableException.class)
    ResponseEntity<Map<String, String>> unreadable(Exception e) {
        return ResponseEntity.badRequest().body(Map.of("message", "unreadable body: " + e.getMessage()));
    }
}
