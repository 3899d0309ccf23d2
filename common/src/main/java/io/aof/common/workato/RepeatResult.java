package io.aof.common.workato;

import io.aof.common.text.ExternalText;

/**
 * One job's result inside a {@code repeat_jobs} answer: {@code status} is "enqueued" or "failed". Its texts
 * come from Workato and are cleaned and capped by {@link ExternalText} as it is built, like
 * {@link WorkatoJob}'s.
 */
public record RepeatResult(String jobId, String status, String error) {

    public RepeatResult {
        jobId = ExternalText.field(jobId);
        status = ExternalText.field(status);
        error = ExternalText.error(error);
    }

    public boolean enqueued() {
        return "enqueued".equals(status);
    }
}
