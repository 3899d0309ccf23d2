package io.aof.collation;

import io.aof.common.messaging.AofMessagingConfiguration;
import io.aof.common.messaging.AofProperties;
import io.aof.common.messaging.Outbox;
import io.aof.common.retention.RetentionRule;
import io.aof.common.workato.BreakerWatch;
import io.aof.common.workato.WorkatoClient;
import io.aof.common.workato.WorkatoClientConfiguration;
import io.aof.common.workato.WorkatoProperties;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.core.env.Environment;
import org.springframework.transaction.support.TransactionTemplate;

import java.time.Clock;
import java.time.Duration;

/**
 * Collation (REC-001, CALL-006): finds failed Workato jobs by polling and by
 * recipes' webhooks, and publishes each one once as {@code JobFailed}.
 */
@SpringBootApplication
@EnableConfigurationProperties(CollationProperties.class)
@Import({AofMessagingConfiguration.class, WorkatoClientConfiguration.class})
public class CollationApplication {

    /** Settings live in {@code collation-service.yml}, so services never read each other's on one classpath. */
    public static final String CONFIG_NAME = "collation-service";

    public static void main(String[] args) {
        builder().run(args);
    }

    /** Workato's circuit breaker, watched: open past {@code aof.workato.escalate-after}, the super admin is told. */
    @Bean
    BreakerWatch workatoBreakerWatch(WorkatoClient client, Outbox outbox, TransactionTemplate tx, AofProperties aof,
                                     WorkatoProperties workato, Environment env) {
        return BreakerWatch.forService(client, outbox, tx, aof, workato, env);
    }

    /**
     * The clock of what collation decides on its own side: the first sweep's
     * lookback, how long a called job waits for its workflow root, when stats
     * are due, a webhook's signature age and its default completion time, which
     * alert period an unverified failure falls in. Tests replace it. Times kept
     * in the database (claims, leases, verify timeouts) are on the database's
     * clock, not on this one; durations within one run are on the JVM's
     * monotonic clock.
     */
    @Bean
    Clock clock() {
        return Clock.systemUTC();
    }

    /**
     * {@code collected_job} is the dedup of polls and webhooks: a job read again
     * (a gap re-read after its resume point vanished, a webhook sent again, a poll
     * after a restore) must find its row, so rows stay 30 days after collection,
     * far beyond any cursor window (a sweep never reads back past its cursor).
     */
    @Bean
    RetentionRule collectedJobRetention() {
        return RetentionRule.of("collected_job", "collected_at", Duration.ofDays(30));
    }

    /** Idempotency keys are a replay window for recipes resending a webhook: a week is plenty. */
    @Bean
    RetentionRule webhookIdempotencyRetention() {
        return RetentionRule.of("webhook_idempotency", "received_at", Duration.ofDays(7));
    }

    /** Settled webhook verifications (verified or refused) are kept 30 days for questions; pending ones stay. */
    @Bean
    RetentionRule webhookPendingRetention() {
        return RetentionRule.of("webhook_pending", "finished_at", Duration.ofDays(30)).onlyWhere("state <> 'PENDING'");
    }

    public static SpringApplicationBuilder builder() {
        return new SpringApplicationBuilder(CollationApplication.class).properties("spring.config.name=" + CONFIG_NAME);
    }
}
