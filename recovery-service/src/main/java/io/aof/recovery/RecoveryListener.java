package io.aof.recovery;

import io.aof.common.events.EventCodec;
import io.aof.common.events.RecoveryCommand;
import io.aof.common.events.RecoveryCommand.OutcomeRequested;
import io.aof.common.events.RecoveryCommand.RecoveryCancelled;
import io.aof.common.events.RecoveryRequested;
import io.aof.common.events.Topics;
import io.aof.common.messaging.Inbox;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.kafka.annotation.KafkaListener;
import org.springframework.stereotype.Component;

/**
 * The orchestrator's commands, in the order it decided them (one topic keyed by
 * incident): a request records the intent to repeat ((incident, attempt) is the
 * primary key, so a redelivered or re-sent request can never become a second
 * repeat); a cancellation stops every request of the incident not yet sent, and
 * any that arrives later; an outcome request is answered from what was recorded.
 */
@Component
class RecoveryListener {

    private static final Logger log = LoggerFactory.getLogger(RecoveryListener.class);

    private final Inbox inbox;
    private final RepeatStore store;

    RecoveryListener(Inbox inbox, RepeatStore store) {
        this.inbox = inbox;
        this.store = store;
    }

    @KafkaListener(topics = Topics.Names.RECOVERY_REQUESTS)
    void onRecoveryRequested(ConsumerRecord<String, String> record) {
        RecoveryCommand command = EventCodec.decode(Topics.RECOVERY_REQUESTS, record.value());
        if (command instanceof RecoveryRequested request) {
            inbox.once("recovery", request, store::request);
        } else if (command instanceof RecoveryCancelled cancel) {
            inbox.once("recovery", cancel, c -> {
                int n = store.cancel(c);
                log.info("Recovery of {} cancelled up to attempt {} ({}): {} request(s) not yet sent cancelled",
                        c.incidentId(), c.attempt(), c.reason(), n);
            });
        } else if (command instanceof OutcomeRequested question) {
            inbox.once("recovery", question, q -> {
                String answer = store.answerOutcomeRequest(q);
                log.info("Outcome of {} attempt {} asked: {}", q.incidentId(), q.attempt(), answer);
            });
        }
    }
}
