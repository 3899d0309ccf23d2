package io.aof.notifier;

import io.aof.common.events.EventCodec;
import io.aof.common.events.NotificationRequested;
import io.aof.common.events.Topics;
import io.aof.common.messaging.Inbox;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.kafka.annotation.KafkaListener;
import org.springframework.stereotype.Component;

/**
 * Stores each notification request before anything is sent, once per dedup key:
 * a redelivered request, or the same decision taken twice, notifies once.
 */
@Component
class NotificationListener {

    private final Inbox inbox;
    private final JdbcTemplate jdbc;
    private final NotifierProperties props;

    NotificationListener(Inbox inbox, JdbcTemplate jdbc, NotifierProperties props) {
        this.inbox = inbox;
        this.jdbc = jdbc;
        this.props = props;
    }

    @KafkaListener(topics = Topics.Names.NOTIFICATION_REQUESTS)
    void onNotificationRequested(ConsumerRecord<String, String> record) {
        NotificationRequested request = EventCodec.decode(Topics.NOTIFICATION_REQUESTS, record.value());
        inbox.once("notifier", request, n -> jdbc.update(
                "INSERT INTO notification (id, dedup_key, incident_id, audience, kind, channel, request, state) "
                        + "VALUES (?, ?, ?, ?, ?, ?, ?, 'PENDING') ON CONFLICT DO NOTHING",
                n.eventId(), n.dedupKey(), n.incidentId(), n.audience().name(), n.kind().name(), channelFor(n),
                record.value()));
    }

    private String channelFor(NotificationRequested n) {
        return n.audience() == NotificationRequested.Audience.SUPER_ADMIN ? props.slack().adminChannel()
                : props.slack().channel();
    }
}
