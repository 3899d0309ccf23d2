package io.aof.notifier.intake;

import io.aof.common.events.Topics;
import io.aof.common.messaging.Inbox;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.springframework.kafka.annotation.KafkaListener;
import org.springframework.stereotype.Component;

import java.util.List;

/**
 * Stores each notification request before anything is sent: one row per
 * destination the {@link Router} chooses, once per dedup key and destination,
 * so a redelivered request, or the same decision taken twice, notifies once.
 */
@Component
class NotificationListener {

    private final Inbox inbox;
    private final Router router;
    private final NotificationIntake intake;

    NotificationListener(Inbox inbox, Router router, NotificationIntake intake) {
        this.inbox = inbox;
        this.router = router;
        this.intake = intake;
    }

    /**
     * A poll of requests in one transaction (an outage asks for thousands at once); a record that cannot be read,
     * or whose request cannot be stored, fails alone ({@link Inbox#onceEachRecord}).
     */
    @KafkaListener(topics = Topics.Names.NOTIFICATION_REQUESTS, batch = "true")
    void onNotificationRequested(List<ConsumerRecord<String, String>> records) {
        inbox.onceEachRecord("notifier", Topics.NOTIFICATION_REQUESTS, records,
                (n, text) -> intake.store(n, text, router.destinations(n)));
    }
}
