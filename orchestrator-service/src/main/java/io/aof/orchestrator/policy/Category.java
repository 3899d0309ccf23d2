package io.aof.orchestrator.policy;

/** The error taxonomy. Rules in configuration may only name these. */
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
