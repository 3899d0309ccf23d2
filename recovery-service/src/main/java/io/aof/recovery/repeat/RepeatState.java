package io.aof.recovery.repeat;

/**
 * The states of a {@code repeat_request} row (its {@code state} column). A request is PENDING until a worker
 * claims it and calls {@code repeat_jobs} (CALLING, which stays set while the call's answer is unknown), then
 * ACCEPTED while the repeat job runs in Workato, and DONE with its outcome; CANCELLED when the orchestrator gave
 * the attempt up before it was sent.
 */
enum RepeatState {
    PENDING, CALLING, ACCEPTED, DONE, CANCELLED
}
