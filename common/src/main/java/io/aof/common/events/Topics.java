package io.aof.common.events;

import java.util.List;
import java.util.Set;

/**
 * The one catalogue of AOF topics: each topic's name, payload type and publishing services. No topic name is
 * written anywhere else (the dead-letter topics are derived from these).
 */
public final class Topics {

    public static final String DLT_SUFFIX = ".dlt";

    public static final String COLLATION = "collation";
    public static final String ORCHESTRATOR = "orchestrator";
    public static final String RECOVERY = "recovery";
    public static final String NOTIFIER = "notifier";
    public static final String LOGGER = "logger";
    /** Every service: each can raise AOF's own trouble (a parked outbox row, an open Workato breaker). */
    public static final Set<String> EVERY_SERVICE = Set.of(COLLATION, ORCHESTRATOR, RECOVERY, NOTIFIER, LOGGER);

    public static final Topic<JobFailed> JOB_FAILURES =
            new Topic<>(Names.JOB_FAILURES, JobFailed.class, Set.of(COLLATION));
    public static final Topic<IncidentEvent> INCIDENT_EVENTS =
            new Topic<>(Names.INCIDENT_EVENTS, IncidentEvent.class, Set.of(ORCHESTRATOR));
    /** Requests, cancellations and outcome questions, keyed by incident, so they are read in decision order. */
    public static final Topic<RecoveryCommand> RECOVERY_REQUESTS =
            new Topic<>(Names.RECOVERY_REQUESTS, RecoveryCommand.class, Set.of(ORCHESTRATOR));
    public static final Topic<RecoveryEvent> RECOVERY_EVENTS =
            new Topic<>(Names.RECOVERY_EVENTS, RecoveryEvent.class, Set.of(RECOVERY));
    /**
     * Alerts about incidents (the orchestrator), the job report (the logger), and AOF's own trouble (any
     * service: parked outbox rows, an open Workato breaker, dead letters piling up, unverifiable webhooks).
     */
    public static final Topic<NotificationRequested> NOTIFICATION_REQUESTS =
            new Topic<>(Names.NOTIFICATION_REQUESTS, NotificationRequested.class, EVERY_SERVICE);
    public static final Topic<NotificationEvent> NOTIFICATION_EVENTS =
            new Topic<>(Names.NOTIFICATION_EVENTS, NotificationEvent.class, Set.of(NOTIFIER));

    /** The life of each outage of an upstream (opened, probed, ended), keyed by the outage's id. */
    public static final Topic<OutageEvent> OUTAGE_EVENTS =
            new Topic<>(Names.OUTAGE_EVENTS, OutageEvent.class, Set.of(ORCHESTRATOR));

    public static final Topic<RecipeEvent> RECIPE_EVENTS =
            new Topic<>(Names.RECIPE_EVENTS, RecipeEvent.class, Set.of(COLLATION));

    /**
     * The audit trail: what people did, published by the service they did it through (incidents and suppressions
     * in the orchestrator, acknowledgements in the notifier, dead-letter re-drives in the logger).
     */
    public static final Topic<OperatorActed> OPERATOR_ACTIONS =
            new Topic<>(Names.OPERATOR_ACTIONS, OperatorActed.class, Set.of(ORCHESTRATOR, NOTIFIER, LOGGER));

    public static final List<Topic<?>> ALL = List.of(JOB_FAILURES, INCIDENT_EVENTS, RECOVERY_REQUESTS,
            RECOVERY_EVENTS, NOTIFICATION_REQUESTS, NOTIFICATION_EVENTS, RECIPE_EVENTS, OPERATOR_ACTIONS, OUTAGE_EVENTS);

    private Topics() {
    }

    /** Every topic name including the dead-letter topics, e.g. for the logger's subscription. */
    public static String[] allNamesWithDeadLetters() {
        return ALL.stream().flatMap(t -> java.util.stream.Stream.of(t.name(), t.deadLetterName()))
                .toArray(String[]::new);
    }

    /** The catalogue's name of a service: its application name without "-service" ("logger-service" is "logger"). */
    public static String serviceOf(String applicationName) {
        return applicationName.endsWith("-service")
                ? applicationName.substring(0, applicationName.length() - "-service".length()) : applicationName;
    }

    /** The topic named {@code name}, or of the dead-letter topic named {@code name}; empty when AOF has none. */
    public static java.util.Optional<Topic<?>> byName(String name) {
        String base = name.endsWith(DLT_SUFFIX) ? name.substring(0, name.length() - DLT_SUFFIX.length()) : name;
        return ALL.stream().<Topic<?>>map(t -> t).filter(t -> t.name().equals(base)).findFirst();
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
        public static final String OUTAGE_EVENTS = "aof.outage-events";

        private Names() {
        }
    }
}
