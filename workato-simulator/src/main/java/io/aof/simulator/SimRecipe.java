package io.aof.simulator;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** A recipe of the simulated workspace; mutable only inside {@link Workspace}'s lock. */
final class SimRecipe {

    final long id;
    final String name;
    final Long folderId;
    final Instant createdAt;
    /** The connector of the recipe's action step (its failing step's {@code adapter_name}). */
    final String connector;
    Behaviour behaviour;
    boolean running = true;
    String stopCause;
    Instant stoppedAt;
    long succeeded;
    long failed;
    Instant lastRunAt;
    /** A recipe function this recipe calls synchronously in every job, if any. */
    Long calls;
    /** Whether a job fails when the job it called failed (the caller's step fails), or handles the error. */
    boolean failsWithCalled = true;
    /** Newest first. */
    final List<SimJob> jobs = new ArrayList<>();

    SimRecipe(long id, String name, Long folderId, String connector, Behaviour behaviour, Instant createdAt) {
        this.id = id;
        this.name = name;
        this.folderId = folderId;
        this.connector = connector;
        this.behaviour = behaviour;
        this.createdAt = createdAt;
    }

    Map<String, Object> toJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", id);
        m.put("user_id", 1);
        m.put("name", name);
        m.put("folder_id", folderId);
        m.put("running", running);
        m.put("job_succeeded_count", succeeded);
        m.put("job_failed_count", failed);
        m.put("lifetime_task_count", (succeeded + failed) * 3);
        m.put("last_run_at", lastRunAt == null ? null : lastRunAt.toString());
        m.put("stopped_at", stoppedAt == null ? null : stoppedAt.toString());
        m.put("stop_cause", stopCause);
        m.put("created_at", createdAt.toString());
        m.put("updated_at", createdAt.toString());
        m.put("version_no", 1);
        m.put("webhook_url", null);
        // every simulated recipe starts on a webhook and runs one action step on its connector
        m.put("trigger_application", "workato_webhooks");
        m.put("action_applications", List.of(connector));
        return m;
    }
}
