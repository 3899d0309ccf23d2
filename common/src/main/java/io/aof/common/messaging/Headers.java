package io.aof.common.messaging;

/** Kafka record headers AOF writes beside the JSON payload. */
public final class Headers {

    public static final String EVENT_TYPE = "aof-event-type";
    public static final String EVENT_ID = "aof-event-id";

    private Headers() {
    }
}
