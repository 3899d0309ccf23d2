package io.aof.common.messaging;

/** Kafka record headers AOF writes beside the JSON payload. */
public final class Headers {

    public static final String EVENT_TYPE = "aof-event-type";
    public static final String EVENT_ID = "aof-event-id";
    /** The service that published the record ({@code spring.application.name}, e.g. {@code logger-service}). */
    public static final String SERVICE = "aof-service";

    private Headers() {
    }
}
