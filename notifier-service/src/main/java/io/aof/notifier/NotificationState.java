package io.aof.notifier;

/**
 * Where a stored notification row is ({@code notification.state}). The SQL that selects rows by state names
 * them as literals ({@code state = 'PENDING'}), so that the partial indexes on them serve prepared statements;
 * what the code sets or compares is one of these.
 */
enum NotificationState {
    /** To send: taken in order per destination and retried until delivered. */
    PENDING,
    /** Waits for its group's next digest (storm control). */
    GROUPED,
    /** Went out inside a digest ({@code digest_id}). */
    DIGESTED,
    /** Taken by its destination. */
    DELIVERED,
    /** Refused for good by its destination; sent again only when an operator asks. */
    FAILED
}
