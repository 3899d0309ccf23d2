package io.aof.simulator;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** A job of the simulated workspace; mutable only inside {@link Workspace}'s lock. */
final class SimJob {

    final String id;
    final long recipeId;
    final long flowRunId;
    final String title;
    final String masterJobId;
    final int execution;
    final long sequence;
    final Instant startedAt;
    String status = "pending";
    Instant completedAt;
    String error;
    String errorTypeId;
    Integer httpCode;
    /** Run by hand from the recipe editor: {@code is_test} in the job detail. */
    boolean test;
    /** For a job started by another recipe's job (a recipe function call). */
    String callingJobId;
    Long callingRecipeId;
    /** Every job of one workflow carries the first job of the recipe that started it; a root carries itself. */
    String rootJobId;
    Long rootRecipeId;
    /** The job this job called (a parent of a recipe function), if any. */
    String calledJobId;
    /** Its recipe's connector: the action line's {@code adapter_name}. */
    String connector = Connectors.DEFAULT;
    /**
     * The chain of executions this one belongs to for its recipe's script: the original job's (a repeat's
     * master's) chain; a called job's is its caller's. Outage failures are counted per chain and recipe.
     */
    String chain;
    /** Failed because its connector was down ({@code /sim/connectors/{connector}/outage}), not by its script. */
    boolean outageFailure;

    SimJob(String id, long recipeId, long flowRunId, String title, String masterJobId, int execution, long sequence,
           Instant startedAt) {
        this.id = id;
        this.recipeId = recipeId;
        this.flowRunId = flowRunId;
        this.title = title;
        this.masterJobId = masterJobId;
        this.execution = execution;
        this.sequence = sequence;
        this.startedAt = startedAt;
    }

    boolean isRepeat() {
        return masterJobId != null;
    }

    /** The list-item form, with Workato's field names. */
    Map<String, Object> toListItem() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", id);
        m.put("handle", id);
        m.put("recipe_id", recipeId);
        m.put("flow_run_id", flowRunId);
        m.put("title", title);
        m.put("status", status);
        m.put("started_at", startedAt.toString());
        m.put("completed_at", completedAt == null ? null : completedAt.toString());
        m.put("is_error", "failed".equals(status));
        m.put("is_poll_error", false);
        m.put("error", error);
        m.put("master_job_id", masterJobId);
        m.put("is_repeat", isRepeat());
        m.put("calling_recipe_id", callingRecipeId);
        m.put("calling_job_id", callingJobId);
        m.put("root_recipe_id", rootRecipeId);
        m.put("root_job_id", rootJobId);
        if (error != null) {
            Map<String, Object> parts = new LinkedHashMap<>();
            parts.put("error_type", errorTypeId);
            parts.put("message", error);
            parts.put("error_id", id + "-e");
            m.put("error_parts", parts);
        }
        return m;
    }

    /** The get-one form: adds {@code lines} with the failed step's error descriptor. */
    Map<String, Object> toDetail() {
        Map<String, Object> m = toListItem();
        m.put("is_test", test);   // only the detail says it, as documented
        m.put("master_job_handle", masterJobId);
        m.put("job_correlation_id", null);
        Map<String, Object> trigger = new LinkedHashMap<>();
        trigger.put("recipe_line_number", "0");
        trigger.put("adapter_name", "workato_webhooks");
        trigger.put("adapter_operation", "new_event");
        Map<String, Object> action = new LinkedHashMap<>();
        action.put("recipe_line_number", "1");
        action.put("adapter_name", connector);
        action.put("adapter_operation", Connectors.operation(connector));
        if (error != null) {
            Map<String, Object> descriptor = new LinkedHashMap<>();
            descriptor.put("error_type_id", errorTypeId);
            descriptor.put("message", error);
            if (httpCode != null) {
                descriptor.put("error_details", Map.of("http_response", Map.of("code", httpCode)));
            }
            action.put("error_descriptor", descriptor);
        }
        m.put("lines", List.of(trigger, action));
        return m;
    }
}
