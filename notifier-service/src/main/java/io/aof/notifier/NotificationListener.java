package io.aof.notifier;

import io.aof.common.events.EventCodec;
import io.aof.common.events.NotificationRequested;
import io.aof.common.events.NotificationRequested.Audience;
import io.aof.common.events.NotificationRequested.Kind;
import io.aof.common.events.Topics;
import io.aof.common.messaging.Inbox;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.kafka.annotation.KafkaListener;
import org.springframework.stereotype.Component;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * Stores each notification request before anything is sent: one row per
 * destination (a Slack channel, a list of e-mail recipients), once per dedup key
 * and destination, so a redelivered request, or the same decision taken twice,
 * notifies once.
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
        inbox.once("notifier", request, n -> {
            for (String destination : destinations(n)) {
                jdbc.update("INSERT INTO notification (id, dedup_key, incident_id, audience, kind, channel, request, "
                                + "state) VALUES (?, ?, ?, ?, ?, ?, ?, 'PENDING') ON CONFLICT DO NOTHING",
                        UUID.nameUUIDFromBytes((n.eventId() + "/" + destination).getBytes(StandardCharsets.UTF_8)),
                        n.dedupKey(), n.incidentId(), n.audience().name(), n.kind().name(), destination,
                        record.value());
            }
        });
    }

    /** Where a notification goes: {@code slack:#channel}, and {@code email:a@x,b@y} when recipients are set. */
    List<String> destinations(NotificationRequested n) {
        List<String> out = new ArrayList<>();
        NotifierProperties.Slack slack = props.slack();
        NotifierProperties.Email email = props.email();
        List<String> mailTo;
        if (n.kind() == Kind.REPORT) {
            out.add("slack:" + (props.report().slackChannel().isBlank() ? slack.channel()
                    : props.report().slackChannel()));
            mailTo = email.reportTo();
        } else if (n.audience() == Audience.SUPER_ADMIN) {
            out.add("slack:" + slack.adminChannel());
            mailTo = email.adminTo();
        } else {
            out.add("slack:" + slack.channel());
            mailTo = email.opsTo();
        }
        if (!mailTo.isEmpty()) {
            out.add("email:" + String.join(",", mailTo));
        }
        return out;
    }
}
