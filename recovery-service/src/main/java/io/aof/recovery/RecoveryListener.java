package io.aof.recovery;

import io.aof.common.events.EventCodec;
import io.aof.common.events.RecoveryRequested;
import io.aof.common.events.Topics;
import io.aof.common.messaging.Inbox;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.kafka.annotation.KafkaListener;
import org.springframework.stereotype.Component;

/**
 * Records the intent to repeat. (incident, attempt) is the primary key, so a
 * redelivered or re-sent request can never become a second repeat.
 */
@Component
class RecoveryListener {

    private final Inbox inbox;
    private final JdbcTemplate jdbc;
    private final io.micrometer.core.instrument.MeterRegistry meters;

    RecoveryListener(Inbox inbox, JdbcTemplate jdbc, io.micrometer.core.instrument.MeterRegistry meters) {
        this.inbox = inbox;
        this.jdbc = jdbc;
        this.meters = meters;
    }

    @KafkaListener(topics = Topics.Names.RECOVERY_REQUESTS)
    void onRecoveryRequested(ConsumerRecord<String, String> record) {
        if (!(EventCodec.decode(Topics.RECOVERY_REQUESTS, record.value()) instanceof RecoveryRequested request)) {
            return; // TODO(issue 12 #6): cancellations and outcome questions
        }
        inbox.once("recovery", request, r -> {
            if (jdbc.update("INSERT INTO repeat_request (incident_id, attempt, workspace, recipe_id, job_id, state) "
                            + "VALUES (?, ?, ?, ?, ?, 'PENDING') ON CONFLICT DO NOTHING",
                    r.incidentId(), r.attempt(), r.workspace(), r.recipeId(), r.jobId()) == 1) {
                meters.counter("aof.repeats.requested").increment();
            }
        });
    }
}
