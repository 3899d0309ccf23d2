package io.aof.notifier;

import io.aof.common.messaging.AofMessagingConfiguration;
import io.aof.common.ops.CachedHealth;
import io.aof.common.retention.RetentionRule;
import io.aof.notifier.delivery.NotificationDispatcher;
import io.aof.notifier.delivery.RefusalAlerts;
import io.aof.notifier.delivery.SlackSender;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;

import java.time.Clock;
import java.time.Duration;

/** The notifier (CALL-003, CALL-005): alerts by Slack, e-mail and webhooks, storm-proof, and escalation to the super admin. */
@SpringBootApplication
@EnableConfigurationProperties(NotifierProperties.class)
@Import(AofMessagingConfiguration.class)
public class NotifierApplication {

    public static final String CONFIG_NAME = "notifier-service";

    public static void main(String[] args) {
        builder().run(args);
    }

    /** Health component {@code slack}: {@code auth.test}, asked at most once a minute. */
    @Bean
    HealthIndicator slackHealthIndicator(NotifierProperties props) {
        if (props.slack().botToken().isEmpty()) {
            return () -> Health.unknown().withDetail("reason", "no Slack bot token (SLACK_BOT_TOKEN) is set").build();
        }
        SlackSender slack = new SlackSender(props.slack(), props.workatoAppUrl());
        return new CachedHealth(slack::health, Duration.ofMinutes(1));
    }

    @Bean
    @ConditionalOnMissingBean
    Clock clock() {
        return Clock.systemUTC();
    }

    /** Health component {@code notifications}: channels paused for refused credentials, refusals nobody was told. */
    @Bean
    HealthIndicator notificationsHealthIndicator(RefusalAlerts refusals, NotificationDispatcher dispatcher) {
        return new CachedHealth(() -> refusals.health(dispatcher.paused()), Duration.ofSeconds(10));
    }

    /**
     * Delivered, failed, digested, stormed and superseded notifications after 30 days, but never a thread's first message
     * while the thread is kept (its end updates that message), nor a row of an escalation still open (its repeats
     * go where it went). Rows still to send ({@code PENDING}, {@code GROUPED}) are never removed.
     */
    @Bean
    RetentionRule notificationRetention() {
        return RetentionRule.of("notification", "created_at", Duration.ofDays(30)).onlyWhere(
                "state IN ('DELIVERED', 'FAILED', 'DIGESTED', 'STORMED', 'SUPERSEDED') "
                        + "AND NOT EXISTS (SELECT 1 FROM incident_thread t WHERE t.parent_id = notification.id) "
                        + "AND NOT EXISTS (SELECT 1 FROM escalation e WHERE e.incident_id = notification.incident_id "
                        + "AND e.closed_at IS NULL)");
    }

    /**
     * An incident's (outage's) thread 30 days after it was resolved (ended); threads of incidents still open are
     * kept (reminders).
     */
    @Bean
    RetentionRule incidentThreadRetention() {
        return RetentionRule.of("incident_thread", "updated_at", Duration.ofDays(30))
                .onlyWhere("last_kind IN ('RECOVERED', 'RESOLVED_MANUALLY', 'OUTAGE_ENDED')");
    }

    /** A storm-control group quiet for 30 days, with no thread left and nothing waiting for its digest. */
    @Bean
    RetentionRule alertGroupRetention() {
        return RetentionRule.of("alert_group", "last_sent_at", Duration.ofDays(30)).onlyWhere(
                "digest_due_at IS NULL "
                        + "AND NOT EXISTS (SELECT 1 FROM incident_thread t WHERE t.group_key = alert_group.group_key) "
                        + "AND NOT EXISTS (SELECT 1 FROM notification n WHERE n.group_key = alert_group.group_key "
                        + "AND n.state IN ('GROUPED', 'PENDING'))");
    }

    /**
     * A signature storm 30 days after it ended (its incidents' list with it), unless an incident told inside it is
     * still open (its later alerts and reminders go to the storm) or a row of it still waits to be sent.
     */
    @Bean
    RetentionRule signatureStormRetention() {
        return RetentionRule.of("signature_storm", "ended_at", Duration.ofDays(30)).onlyWhere(
                "NOT EXISTS (SELECT 1 FROM incident_thread t WHERE t.storm_id = signature_storm.id "
                        + "AND t.last_kind NOT IN ('RECOVERED', 'RESOLVED_MANUALLY')) "
                        + "AND NOT EXISTS (SELECT 1 FROM notification n WHERE n.storm_id = signature_storm.id "
                        + "AND n.state IN ('GROUPED', 'PENDING'))");
    }

    /** When a recipe last failed with a signature: a day later it no longer counts towards any window. */
    @Bean
    RetentionRule signatureSightingRetention() {
        return RetentionRule.of("signature_sighting", "last_at", Duration.ofDays(1));
    }

    /** A super-admin escalation 30 days after its incident was resolved. */
    @Bean
    RetentionRule escalationRetention() {
        return RetentionRule.of("escalation", "closed_at", Duration.ofDays(30));
    }

    /** A refusal (destination and reason) not seen again for 30 days. */
    @Bean
    RetentionRule refusalRetention() {
        return RetentionRule.of("refusal", "last_at", Duration.ofDays(30));
    }

    public static SpringApplicationBuilder builder() {
        return new SpringApplicationBuilder(NotifierApplication.class).properties("spring.config.name=" + CONFIG_NAME);
    }
}
