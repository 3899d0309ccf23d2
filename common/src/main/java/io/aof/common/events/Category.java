package io.aof.common.events;

/**
 * The error taxonomy: what the orchestrator classifies a failure as, carried by incident and notification events.
 * Rules in configuration may only name these.
 */
public enum Category {
    TIMEOUT,
    CONNECTION,
    RATE_LIMITED,
    UPSTREAM_5XX,
    AUTH,
    NOT_FOUND,
    DATA_VALIDATION,
    CONFIGURATION,
    PLATFORM,
    UNKNOWN
}
