package io.aof.common.workato;

/** One job's result inside a {@code repeat_jobs} answer: {@code status} is "enqueued" or "failed". */
public record RepeatResult(String jobId, String status, String error) {

    public boolean enqueued() {
        return "enqueued".equals(status);
    }
}
