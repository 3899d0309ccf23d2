package io.aof.common.workato;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import io.aof.common.text.ExternalText;

import java.time.Instant;
import java.util.List;

/**
 * A job as the list and get endpoints answer it. {@code masterJobId} is set on
 * a repeat: it is the id of the job that was repeated. {@code lines} only comes
 * with {@code GET /recipes/:id/jobs/:handle}, and so, as documented, does
 * {@code isTest} (null when the answer did not say). A job started by another
 * recipe (a recipe function) carries {@code callingJobId}/{@code callingRecipeId},
 * and every job of one workflow the same {@code rootJobId}/{@code rootRecipeId}.
 *
 * <p>Text from Workato enters AOF here: every string is cleaned by
 * {@link ExternalText} as the record is built (error texts capped at
 * {@link ExternalText#ERROR_MAX_CHARS}, ids, titles and types at
 * {@link ExternalText#FIELD_MAX_CHARS}), so a NUL character or a 2.6 MB HTML
 * error page never reaches the database or Kafka.
 */
public record WorkatoJob(
        String id,
        String handle,
        Long recipeId,
        Long flowRunId,
        String title,
        String status,
        Instant startedAt,
        Instant completedAt,
        Boolean isError,
        Boolean isPollError,
        String error,
        String masterJobId,
        Boolean isRepeat,
        ErrorParts errorParts,
        List<Line> lines,
        Boolean isTest,
        String masterJobHandle,
        String callingJobId,
        Long callingRecipeId,
        String rootJobId,
        Long rootRecipeId) {

    public WorkatoJob {
        id = ExternalText.field(id);
        handle = ExternalText.field(handle);
        title = ExternalText.field(title);
        status = ExternalText.field(status);
        error = ExternalText.error(error);
        masterJobId = ExternalText.field(masterJobId);
        masterJobHandle = ExternalText.field(masterJobHandle);
        callingJobId = ExternalText.field(callingJobId);
        rootJobId = ExternalText.field(rootJobId);
        lines = lines == null ? null : List.copyOf(lines.stream().filter(java.util.Objects::nonNull).toList());
    }

    public static final String SUCCEEDED = "succeeded";
    public static final String FAILED = "failed";
    public static final String PENDING = "pending";

    public boolean isFailed() {
        return FAILED.equals(status);
    }

    /** True when Workato said this is a test job (run from the recipe editor). */
    public boolean isTestJob() {
        return Boolean.TRUE.equals(isTest);
    }

    /**
     * True when the job was started by another job of a workflow and is not
     * that workflow's root: repeating it would run it besides its root.
     */
    public boolean isCalled() {
        boolean hasRoot = rootJobId != null && !rootJobId.isBlank() && !rootJobId.equals(id);
        boolean hasCaller = callingJobId != null && !callingJobId.isBlank() && !callingJobId.equals(id);
        return hasRoot || hasCaller;
    }

    /** The workflow's root job: {@code root_job_id}, else the calling job. */
    public String workflowRootJobId() {
        return rootJobId != null && !rootJobId.isBlank() ? rootJobId : callingJobId;
    }

    /** The workflow's root recipe: {@code root_recipe_id}, else the calling recipe. */
    public Long workflowRootRecipeId() {
        return rootJobId != null && !rootJobId.isBlank() ? rootRecipeId : callingRecipeId;
    }

    public boolean isFinished() {
        return SUCCEEDED.equals(status) || FAILED.equals(status);
    }

    @JsonIgnoreProperties(ignoreUnknown = true)
    public record ErrorParts(String errorType, String message, String errorId) {
        public ErrorParts {
            errorType = ExternalText.field(errorType);
            message = ExternalText.error(message);
            errorId = ExternalText.field(errorId);
        }
    }

    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Line(String recipeLineNumber, String adapterName, String adapterOperation,
                       ErrorDescriptor errorDescriptor) {
        public Line {
            recipeLineNumber = ExternalText.field(recipeLineNumber);
            adapterName = ExternalText.field(adapterName);
            adapterOperation = ExternalText.field(adapterOperation);
        }
    }

    @JsonIgnoreProperties(ignoreUnknown = true)
    public record ErrorDescriptor(String errorTypeId, String message, ErrorDetails errorDetails) {
        public ErrorDescriptor {
            errorTypeId = ExternalText.field(errorTypeId);
            message = ExternalText.error(message);
        }
    }

    @JsonIgnoreProperties(ignoreUnknown = true)
    public record ErrorDetails(HttpResponse httpResponse) {
    }

    @JsonIgnoreProperties(ignoreUnknown = true)
    public record HttpResponse(Integer code) {
    }

    /** The first failed step's {@code error_type_id}, when the job detail has one. */
    public String errorTypeId() {
        if (lines != null) {
            for (Line line : lines) {
                if (line.errorDescriptor() != null && line.errorDescriptor().errorTypeId() != null) {
                    return line.errorDescriptor().errorTypeId();
                }
            }
        }
        return errorParts != null ? errorParts.errorType() : null;
    }

    /** The HTTP status of the failed step, when the job detail has one. */
    public Integer httpStatus() {
        if (lines != null) {
            for (Line line : lines) {
                ErrorDescriptor d = line.errorDescriptor();
                if (d != null && d.errorDetails() != null && d.errorDetails().httpResponse() != null) {
                    return d.errorDetails().httpResponse().code();
                }
            }
        }
        return null;
    }
}
