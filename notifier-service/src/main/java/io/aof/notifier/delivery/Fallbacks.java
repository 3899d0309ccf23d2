package io.aof.notifier.delivery;

import io.aof.common.events.EventCodec;
import io.aof.common.events.NotificationRequested;
import io.aof.common.events.Topics;
import io.aof.notifier.NotifierProperties;
import io.aof.notifier.intake.Destination;
import io.aof.notifier.intake.NotificationState;
import io.aof.notifier.intake.NotificationStore;
import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

import java.util.List;
import java.util.UUID;

/**
 * Copies to the fallback destination ({@code aof.notifier.fallback.destination}): of a notification its
 * destination has not taken for {@code fallback.after} while it is failing, and at once of one it refused for
 * good. Once per row; never of a copy or of a thread update, and not while the fallback is failing itself.
 */
@Component
public class Fallbacks {

    private static final Logger log = LoggerFactory.getLogger(Fallbacks.class);

    private final NotificationStore notifications;
    private final NotifierProperties props;
    private final MeterRegistry meters;

    public Fallbacks(NotificationStore notifications, NotifierProperties props, MeterRegistry meters) {
        this.notifications = notifications;
        this.props = props;
        this.meters = meters;
        // published from the start (0), not only after the first event: dashboards and alerts see the series
        for (String channel : List.of("slack", "email", "webhook")) {
            meters.counter("aof.notifications.fallback", "channel", channel);
        }
    }

    /** Copies of notifications whose destination has not taken them for {@code fallback.after}. How many. */
    public int queueStuck() {
        String fallback = props.fallback().destination();
        if (fallback.isBlank()) {
            return 0;
        }
        List<NotificationStore.Original> stuck = notifications.stuck(fallback, props.fallback().after());
        for (NotificationStore.Original r : stuck) {
            copy(r, "[fallback: " + r.destination() + " is failing: " + r.lastError() + "] ");
            log.warn("{} has not taken notification {} for {}; a copy goes to the fallback {}", r.destination(),
                    r.dedupKey(), props.fallback().after(), fallback);
        }
        return stuck.size();
    }

    /**
     * A copy of a row its destination refused for good, to the fallback destination (at once: waiting would
     * not help), unless it is itself a copy, only updates a thread, or the fallback is that destination.
     */
    boolean copyRefused(UUID id, String error) {
        String fallback = props.fallback().destination();
        if (fallback.isBlank()) {
            return false;
        }
        var row = notifications.copyable(id, fallback);
        row.ifPresent(r -> copy(r, "[fallback: " + r.destination() + " refused it for good: " + error + "] "));
        return row.isPresent();
    }

    private void copy(NotificationStore.Original r, String via) {
        String fallback = props.fallback().destination();
        String request = r.request();
        if (request != null) {
            NotificationRequested n = EventCodec.decode(Topics.NOTIFICATION_REQUESTS, request);
            request = EventCodec.encode(n.withTitle(via + n.title()));
        }
        notifications.insert(new NotificationStore.NewRow(NotificationStore.rowId(r.id(), fallback), r.dedupKey(),
                r.incidentId(), r.audience(), r.kind(), fallback, request, r.digest(), NotificationState.PENDING, null,
                false, r.id(), r.stormId()));
        notifications.fallbackQueued(r.id());
        meters.counter("aof.notifications.fallback", "channel", Destination.kindOf(r.destination())).increment();
    }
}
