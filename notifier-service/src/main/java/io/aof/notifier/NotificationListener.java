package io.aof.notifier;

import io.aof.common.events.EventCodec;
import io.aof.common.events.NotificationRequested;
import io.aof.common.events.Topics;
import io.aof.common.messaging.Inbox;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.springframework.kafka.annotation.KafkaListener;
import org.springframework.stereotype.Component;

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

    @KafkaListener(topics = Topics.Names.NOTIFICATION_REQUESTS)
    void onNotificationRequested(ConsumerRecord<String, String> record) {
        NotificationRequested request = EventCodec.decode(Topics.NOTIFICATION_REQUESTS, record.value());
        inbox.once("notifier", request, n -> intake.store(n, record.value(), router.destinations(n)));
    }
}
