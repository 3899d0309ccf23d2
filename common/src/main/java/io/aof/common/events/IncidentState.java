package io.aof.common.events;

/** The states of an incident; every change between them is an {@link IncidentEvent}. */
public enum IncidentState {
    OPEN,
    RETRY_SCHEDULED,
    RETRYING,
    RECOVERED,
    EXHAUSTED,
    ESCALATED,
    NON_RETRYABLE,
    MANUALLY_RESOLVED,
    REPLAY_REQUESTED,
    /** Opened while its recipe was suppressed (a maintenance window): kept, not retried, nobody told. */
    SUPPRESSED;

    public boolean isTerminal() {
        return this == RECOVERED || this == EXHAUSTED || this == ESCALATED || this == NON_RETRYABLE
                || this == MANUALLY_RESOLVED || this == SUPPRESSED;
    }
}
