package io.aof.orchestrator.incident;

import io.aof.common.retention.RetentionRule;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import java.time.Clock;
import java.time.Duration;
import java.util.Random;
import java.util.random.RandomGenerator;

/**
 * The incident state machine's collaborators that tests replace (the clock of
 * event times, the randomness of retry jitter) and the retention of its tables.
 * Due times and ages are measured on the database's clock, not on this one.
 */
@Configuration(proxyBeanMethods = false)
class IncidentConfiguration {

    @Bean
    Clock clock() {
        return Clock.systemUTC();
    }

    /** Jitter of retry delays (thread-safe: listener and scheduler threads share it). */
    @Bean
    RandomGenerator retryJitter() {
        return new Random();
    }

    /**
     * Attempts of incidents closed for good, 180 days after they were requested:
     * long enough for the half-year reliability reviews the logger's report
     * feeds; the incident row itself stays. An incident that is open again
     * (replayed) or waits for a maintenance window keeps its attempts.
     */
    @Bean
    RetentionRule incidentAttemptRetention() {
        return RetentionRule.of("incident_attempt", "requested_at", Duration.ofDays(180))
                .onlyWhere("EXISTS (SELECT 1 FROM incident i WHERE i.id = incident_attempt.incident_id "
                        + "AND i.closed_at IS NOT NULL)");
    }

    /**
     * The audit trail of operator actions (who replayed, resolved, suppressed,
     * and why), 400 days: a yearly audit covers a full year of actions with a
     * month's margin for it to happen late.
     */
    @Bean
    RetentionRule operatorActionRetention() {
        return RetentionRule.of("operator_action", "at", Duration.ofDays(400));
    }

    // scheduled_retry needs no retention: it holds at most one row per incident, deleted when the
    // attempt starts, the incident is resolved or waits for a window; its size is the open backlog.
    // recipe_suppression holds at most one row per recipe (upserted), so it does not grow either.
}
