package io.aof.notifier;

import io.aof.common.messaging.AofMessagingConfiguration;
import io.aof.common.ops.CachedHealth;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;

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

    public static SpringApplicationBuilder builder() {
        return new SpringApplicationBuilder(NotifierApplication.class).properties("spring.config.name=" + CONFIG_NAME);
    }
}
