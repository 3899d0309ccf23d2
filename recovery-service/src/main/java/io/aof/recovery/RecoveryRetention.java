package io.aof.recovery;

import io.aof.common.retention.RetentionRule;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import java.time.Duration;

/**
 * What recovery keeps, and for how long ({@code aof.retention.periods.<name>}
 * overrides): finished and cancelled repeat requests (never one still pending,
 * being called or followed) and cancellation tombstones, 30 days each, long
 * after any redelivery of the command they answer could arrive (Kafka keeps 7
 * days, the inbox 14). The pacer is one row; the outbox empties itself.
 */
@Configuration(proxyBeanMethods = false)
class RecoveryRetention {

    static final Duration FINISHED_REQUESTS = Duration.ofDays(30);
    static final Duration TOMBSTONES = Duration.ofDays(30);

    @Bean
    RetentionRule repeatRequestRetention() {
        return RetentionRule.of("repeat_request", "finished_at", FINISHED_REQUESTS)
                .onlyWhere("state IN ('DONE', 'CANCELLED')");
    }

    @Bean
    RetentionRule repeatCancellationRetention() {
        return RetentionRule.of("repeat_cancellation", "cancelled_at", TOMBSTONES);
    }
}
