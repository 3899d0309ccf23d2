package io.aof.common.workato;

import io.aof.common.messaging.AofProperties;
import io.aof.common.messaging.Outbox;
import io.micrometer.core.instrument.MeterRegistry;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.transaction.support.TransactionTemplate;

import java.time.Duration;

/** Imported by the services that call Workato (collation, recovery). */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(WorkatoProperties.class)
public class WorkatoClientConfiguration {

    @Bean
    WorkatoClient workatoClient(WorkatoProperties props, MeterRegistry meters) {
        return new WorkatoClient(props, meters);
    }

    /** Health component {@code workato}. */
    @Bean
    WorkatoHealth workatoHealthIndicator(WorkatoClient client) {
        return new WorkatoHealth(client);
    }

    @Bean
    BreakerWatch workatoBreakerWatch(WorkatoClient client, Outbox outbox, TransactionTemplate tx, AofProperties aof,
                                     @Value("${spring.application.name:aof}") String service,
                                     @Value("${aof.workato.escalate-after:10m}") Duration escalateAfter) {
        return new BreakerWatch(client, outbox, tx, aof.workspace(), service, escalateAfter);
    }
}
