package io.aof.common.workato;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;

import java.time.Instant;
import java.util.List;

/**
 * A job as the list and get endpoints answer it. {@code masterJobId} is set on
 * a repeat: it is the id of the job that was repeated. {@code lines} only comes
 * with {@code GET /recipes/:id/jobs/:handle}.
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
        List<Line> lines) {

    public static final String SUCCEEDED = "succeeded";
    public static final String FAILED = "failed";
    public static final String PENDING = "pending";

    public boolean isFailed() {
        return FAILED.equals(status);
    }

    public boolean isFinished() {
        return SUCCEEDED.equals(status) || FAILED.equals(status);
    }

    @JsonIgnoreProperties(ignoreUnknown = true)
    public record ErrorParts(String errorType, String message, String errorId) {
    }

    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Line(String recipeLineNumber, String adapterName, String adapterOperation,
                       ErrorDescriptor errorDescriptor) {
    }

    @JsonIgnoreProperties(ignoreUnknown = true)
    public record ErrorDescriptor(String errorTypeId, String message, ErrorDetails errorDetails) {
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
