package io.aof.notifier;

import io.aof.common.messaging.AofProperties;
import io.aof.notifier.delivery.Fallbacks;
import io.aof.notifier.delivery.RefusalStore;
import io.aof.notifier.escalation.EscalationStore;
import io.aof.notifier.escalation.Escalations;
import io.aof.notifier.grouping.AlertGroupStore;
import io.aof.notifier.grouping.Digests;
import io.aof.notifier.grouping.Grouping;
import io.aof.notifier.grouping.SignatureStorms;
import io.aof.notifier.grouping.StormStore;
import io.aof.notifier.grouping.ThreadStore;
import io.aof.notifier.intake.NotificationIntake;
import io.aof.notifier.intake.NotificationStore;
import io.micrometer.core.instrument.MeterRegistry;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;
import org.springframework.jdbc.core.JdbcTemplate;

import java.time.Clock;
import java.util.Map;

/**
 * The notifier's stores and the parts that decide over them, wired as Spring wires them, on one schema: for the
 * tests that drive them without a Spring context.
 */
public record NotifierParts(NotificationStore notifications, NotificationIntake intake, Digests digests,
                     SignatureStorms storms, Escalations escalations, Fallbacks fallbacks, ThreadStore threads,
                     RefusalStore refusals) {

    public static NotifierParts of(JdbcTemplate jdbc, NotifierProperties props, MeterRegistry meters, Clock clock) {
        NotificationStore notifications = new NotificationStore(jdbc);
        ThreadStore threads = new ThreadStore(jdbc);
        AlertGroupStore groups = new AlertGroupStore(jdbc);
        SignatureStorms storms = new SignatureStorms(new StormStore(jdbc), notifications, props, meters);
        Grouping grouping = new Grouping(threads, groups, storms, props, meters);
        Escalations escalations = new Escalations(new EscalationStore(jdbc), notifications, grouping, props, meters,
                clock);
        NotificationIntake intake = new NotificationIntake(notifications, threads, grouping, escalations);
        return new NotifierParts(notifications, intake, new Digests(notifications, groups, threads, props, meters),
                storms, escalations, new Fallbacks(notifications, props, meters), threads, new RefusalStore(jdbc));
    }

    /** {@code aof.*} with workspace {@code w}. */
    public static AofProperties aof() {
        return new Binder(new MapConfigurationPropertySource(Map.of("aof.workspace", "w")))
                .bindOrCreate("aof", AofProperties.class);
    }
}
