package io.aof.common.events;

import java.util.List;

/** The one catalogue of AOF topics. No topic name is written anywhere else. */
public final class Topics {

    public static final String DLT_SUFFIX = ".dlt";

    public static final Topic<JobFailed> JOB_FAILURES = new Topic<>(Names.JOB_FAILURES, JobFailed.class);
    public static final Topic<IncidentEvent> INCIDENT_EVENTS = new Topic<>(Names.INCIDENT_EVENTS, IncidentEvent.class);
    /** Requests, cancellations and outcome questions, keyed by incident, so they are read in decision order. */
    public static final Topic<RecoveryCommand> RECOVERY_REQUESTS =
            new Topic<>(Names.RECOVERY_REQUESTS, RecoveryCommand.class);
    public static final Topic<RecoveryEvent> RECOVERY_EVENTS = new Topic<>(Names.RECOVERY_EVENTS, RecoveryEvent.class);
    public static final Topic<NotificationRequested> NOTIFICATION_REQUESTS =
            new Topic<>(Names.NOTIFICATION_REQUESTS, NotificationRequested.class);
    public static final Topic<NotificationEvent> NOTIFICATION_EVENTS =
            new Topic<>(Names.NOTIFICATION_EVENTS, NotificationEvent.class);

    public static final Topic<RecipeEvent> RECIPE_EVENTS = new Topic<>(Names.RECIPE_EVENTS, RecipeEvent.class);

    /** The audit trail: what people did, published by whichever service they did it through. */
    public static final Topic<OperatorActed> OPERATOR_ACTIONS =
            new Topic<>(Names.OPERATOR_ACTIONS, OperatorActed.class);

    public static final List<Topic<?>> ALL = List.of(JOB_FAILURES, INCIDENT_EVENTS, RECOVERY_REQUESTS,
            RECOVERY_EVENTS, NOTIFICATION_REQUESTS, NOTIFICATION_EVENTS, RECIPE_EVENTS, OPERATOR_ACTIONS);

    private Topics() {
    }

    /** Every topic name including the dead-letter topics, e.g. for the logger's subscription. */
    public static String[] allNamesWithDeadLetters() {
        return ALL.stream().flatMap(t -> java.util.stream.Stream.of(t.name(), t.deadLetterName()))
                .toArray(String[]::new);
    }

    /** Constant expressions for {@code @KafkaListener(topics = ...)}, which needs compile-time strings. */
    public static final class Names {
        public static final String JOB_FAILURES = "aof.job-failures";
        public static final String INCIDENT_EVENTS = "aof.incident-events";
        public static final String RECOVERY_REQUESTS = "aof.recovery-requests";
        public static final String RECOVERY_EVENTS = "aof.recovery-events";
        public static final String NOTIFICATION_REQUESTS = "aof.notification-requests";
        public static final String NOTIFICATION_EVENTS = "aof.notification-events";
        public static final String RECIPE_EVENTS = "aof.recipe-events";
        public static final String OPERATOR_ACTIONS = "aof.operator-actions";

        private Names() {
        }
    }
}
