package io.aof.recovery.repeat;

import io.aof.common.events.EventCodec;
import io.aof.common.events.RecoveryCommand.OutcomeRequested;
import io.aof.common.events.RecoveryCommand.RecoveryCancelled;
import io.aof.common.events.RecoveryCommand;
import io.aof.common.events.RecoveryRequested;
import io.aof.common.events.Topics;
import io.aof.common.messaging.Inbox;
import io.micrometer.core.instrument.MeterRegistry;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.kafka.annotation.KafkaListener;
import org.springframework.stereotype.Component;

import java.util.List;
import java.util.Optional;

/**
 * The orchestrator's commands, in the order it decided them (one topic keyed by
 * incident): a request records the intent to repeat ((incident, attempt) is the
 * primary key, so a redelivered or re-sent request can never become a second
 * repeat); a cancellation stops every request of the incident not yet sent, and
 * any that arrives later; an outcome request is answered from what was recorded.
 * Each command is applied once (the inbox), and the events it calls for are
 * published ({@link RepeatEvents}) in that same transaction.
 */
@Component
public class RecoveryListener {

    private static final Logger log = LoggerFactory.getLogger(RecoveryListener.class);

    private final Inbox inbox;
    private final RepeatStore store;
    private final RepeatEvents events;
    private final MeterRegistry meters;

    RecoveryListener(Inbox inbox, RepeatStore store, RepeatEvents events, MeterRegistry meters) {
        this.inbox = inbox;
        this.store = store;
        this.events = events;
        this.meters = meters;
        for (String answer : new String[] {"republished", "not_requested", "in_progress"}) {
            meters.counter("aof.recovery.outcome.requests", "answer", answer);
        }
    }

    @KafkaListener(topics = Topics.Names.RECOVERY_REQUESTS)
    public void onRecoveryRequested(ConsumerRecord<String, String> record) {
        RecoveryCommand command = EventCodec.decode(Topics.RECOVERY_REQUESTS, record.value());
        if (command instanceof RecoveryRequested request) {
            inbox.once("recovery", request, this::request);
        } else if (command instanceof RecoveryCancelled cancel) {
            inbox.once("recovery", cancel, c -> {
                int n = cancel(c);
                log.info("Recovery of {} cancelled up to attempt {} ({}): {} request(s) not yet sent cancelled",
                        c.incidentId(), c.attempt(), c.reason(), n);
            });
        } else if (command instanceof OutcomeRequested question) {
            inbox.once("recovery", question, q -> {
                String answer = answer(q);
                log.info("Outcome of {} attempt {} asked: {}", q.incidentId(), q.attempt(), answer);
            });
        }
    }

    /**
     * Records the request. One of an incident cancelled up to its attempt is recorded CANCELLED and reported so;
     * one whose incident an earlier attempt already recovered is settled SUCCEEDED by that success (no earlier
     * attempt still live), never sent: a job that succeeded is never repeated.
     */
    private void request(RecoveryRequested r) {
        store.request(r).ifPresent(recorded -> {
            meters.counter("aof.repeats.requested").increment();
            if (recorded.state() == RepeatState.CANCELLED) {
                events.cancelled(recorded.request(), recorded.cancelReason());
            } else {
                store.settleCoveredBySuccess(r.incidentId()).forEach(events::coveredBySuccess);
            }
        });
    }

    /** Cancels the incident's requests up to the attempt ({@code null}: all); returns how many were cancelled now. */
    private int cancel(RecoveryCancelled c) {
        String reason = c.reason() == null ? "cancelled" : c.reason();
        List<RepeatRequest> cancelled = store.cancel(c.incidentId(),
                c.attempt() == null ? Integer.MAX_VALUE : c.attempt(), reason);
        cancelled.forEach(r -> events.cancelled(r, reason));
        return cancelled.size();
    }

    /**
     * The orchestrator asks for the outcome of an attempt: the recorded outcome
     * is published again (a new event id), or {@code RepeatCancelled} for a
     * cancelled request; {@code NOT_REQUESTED} when recovery never had the
     * request; while it is in progress (pending, sent, accepted, or waiting for an
     * earlier attempt of the incident) a sign of life, {@code RepeatDeferred} with
     * the state (and the row's next try while it is not sent), which restarts the
     * orchestrator's wait: recovery's own deadline settles an accepted repeat, and
     * a request waiting for Workato spends no attempt. Returns the kind of answer.
     */
    private String answer(OutcomeRequested q) {
        Optional<RepeatStore.Progress> recorded = store.progress(q.incidentId(), q.attempt());
        String answer;
        if (recorded.isEmpty()) {
            events.notRequested(q);
            answer = "not_requested";
        } else {
            RepeatStore.Progress p = recorded.get();
            if (p.state() == RepeatState.DONE) {
                events.outcomeAgain(p.request(), p.outcome(), p.request().repeatJobId(), p.error(), p.took());
                answer = "republished";
            } else if (p.state() == RepeatState.CANCELLED) {
                events.cancelledAgain(p.request(), p.cancelReason());
                answer = "republished";
            } else {
                // a sign of life: recovery still holds the attempt, so the orchestrator keeps waiting for it
                events.deferred(p.request(), "still in progress: " + p.state()
                        + (p.waitsFor() == null ? "" : ", waits for attempt " + p.waitsFor()), p.nextTry());
                answer = "in_progress";
            }
        }
        meters.counter("aof.recovery.outcome.requests", "answer", answer).increment();
        return answer;
    }
}
