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
    /**
     * Opened while its recipe was suppressed (a maintenance window): kept, not retried, nobody told; not
     * terminal, it waits for the window to end and is then released (scheduled or announced).
     */
    SUPPRESSED,
    /**
     * A member of an open outage of its upstream: its next attempt is held, spends nothing, and nobody is told
     * one by one; not terminal, released (scheduled, attempt counter unchanged) when the outage ends.
     */
    HELD;

    /** Closed until an operator acts (an incident that waits for anything else, a window included, is not). */
    public boolean isTerminal() {
        return this == RECOVERED || this == EXHAUSTED || this == ESCALATED || this == NON_RETRYABLE
                || this == MANUALLY_RESOLVED;
    }
}
