package io.aof.orchestrator.incident;

import io.aof.common.events.EventCodec;
import io.aof.common.events.RecipeEvent;
import io.aof.common.events.RecipeStopped;
import io.aof.common.events.RecoveryEvent;
import io.aof.common.events.Topics;
import io.aof.common.messaging.Inbox;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.springframework.kafka.annotation.KafkaListener;
import org.springframework.stereotype.Component;

import java.util.List;

/**
 * The orchestrator's handler table: which event goes to which method. Each
 * event is applied once (the inbox), in one transaction with its effects.
 */
@Component
class OrchestratorListeners {

    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(OrchestratorListeners.class);

    private static final String CONSUMER = "orchestrator";

    private final Inbox inbox;
    private final IncidentService incidents;
    private final IncidentStore store;

    OrchestratorListeners(Inbox inbox, IncidentService incidents, IncidentStore store) {
        this.inbox = inbox;
        this.incidents = incidents;
        this.store = store;
    }

    /**
     * A poll of failures in one transaction (the hot path: an outage fails thousands of jobs at once); a record
     * that cannot be decoded, or whose failure cannot be applied, fails alone ({@link Inbox#onceEachRecord}).
     * The entities each failure read are written and forgotten after it, so the persistence context does not grow
     * with the poll.
     */
    @KafkaListener(topics = Topics.Names.JOB_FAILURES, batch = "true")
    void onJobFailed(List<ConsumerRecord<String, String>> records) {
        inbox.onceEachRecord(CONSUMER, Topics.JOB_FAILURES, records, (failure, text) -> {
            incidents.onJobFailed(failure);
            store.eventDone();
        });
    }

    @KafkaListener(topics = Topics.Names.RECIPE_EVENTS)
    void onRecipeStopped(ConsumerRecord<String, String> record) {
        RecipeEvent event = EventCodec.decode(Topics.RECIPE_EVENTS, record.value());
        if (event instanceof RecipeStopped stopped) {
            inbox.once(CONSUMER, stopped, incidents::onRecipeStopped);
        } else if (event instanceof RecipeEvent.RecipeRunningAgain again) {
            inbox.once(CONSUMER, again, incidents::onRecipeRunningAgain);
        }   // stats snapshots are for the logger's report
    }

    @KafkaListener(topics = Topics.Names.RECOVERY_EVENTS)
    void onRecoveryEvent(ConsumerRecord<String, String> record) {
        RecoveryEvent event = EventCodec.decode(Topics.RECOVERY_EVENTS, record.value());
        inbox.once(CONSUMER, event, e -> {
            if (e instanceof RecoveryEvent.JobRepeated repeated) {
                incidents.onJobRepeated(repeated);
            } else if (e instanceof RecoveryEvent.RecoveryOutcome outcome) {
                incidents.onRecoveryOutcome(outcome);
            } else if (e instanceof RecoveryEvent.RepeatDeferred deferred) {
                // the attempt is not spent: recovery holds it (waits for Workato, or still in progress when
                // asked); the outcome deadline counts from here
                log.info("Attempt {} of {} is held by recovery: {}", deferred.attempt(), deferred.incidentId(),
                        deferred.reason());
                incidents.onRepeatDeferred(deferred);
            } else if (e instanceof RecoveryEvent.RepeatCancelled cancelled) {
                incidents.onRepeatCancelled(cancelled);
            }
        });
    }
}
