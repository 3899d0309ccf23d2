package io.aof.notifier.intake;

/**
 * Where a stored notification row is ({@code notification.state}). The SQL that selects rows by state names
 * them as literals ({@code state = 'PENDING'}), so that the partial indexes on them serve prepared statements;
 * what the code sets or compares is one of these.
 */
public enum NotificationState {
    /** To send: taken in order per destination and retried until delivered. */
    PENDING,
    /** Waits for its group's next digest (storm control), or its signature storm's next follow-up. */
    GROUPED,
    /** Went out inside a digest ({@code digest_id}). */
    DIGESTED,
    /**
     * Told inside a signature storm ({@code storm_id}): counted in the figures of the storm's thread, whose first
     * message is edited as it grows, and listed by {@code GET /api/storms/{id}}; never sent on its own.
     */
    STORMED,
    /** Taken by its destination. */
    DELIVERED,
    /** Refused for good by its destination; sent again only when an operator asks. */
    FAILED,
    /**
     * Not sent, overtaken before its turn: an outage's update when a later update or the outage's end is stored
     * for the same destination (they show newer figures), or an outage's start where its thread already has a
     * first message. Nothing was lost: the thread's first message shows the latest figures.
     */
    SUPERSEDED
}
