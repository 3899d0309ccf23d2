package io.aof.recovery;

import io.aof.common.messaging.AofMessagingConfiguration;
import io.aof.common.messaging.AofProperties;
import io.aof.common.messaging.Outbox;
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

/** Recovery (CALL-004): repeats jobs in Workato, exactly once per decision, and follows each repeat to its end. */
@SpringBootApplication
@EnableConfigurationProperties(RecoveryProperties.class)
@Import({AofMessagingConfiguration.class, WorkatoClientConfiguration.class})
public class RecoveryApplication {

    public static final String CONFIG_NAME = "recovery-service";

    public static void main(String[] args) {
        builder().run(args);
    }

    /**
     * The clock of recovery's event times and of a worker's own pauses (tests replace it); due times, leases and
     * deadlines are measured on the database's clock, not on this one.
     */
    @Bean
    Clock clock() {
        return Clock.systemUTC();
    }

    /** Workato's circuit breaker, watched: open past {@code aof.workato.escalate-after}, the super admin is told. */
    @Bean
    BreakerWatch workatoBreakerWatch(WorkatoClient client, Outbox outbox, TransactionTemplate tx, AofProperties aof,
                                     WorkatoProperties workato, Environment env) {
        return BreakerWatch.forService(client, outbox, tx, aof, workato, env);
    }

    public static SpringApplicationBuilder builder() {
        return new SpringApplicationBuilder(RecoveryApplication.class).properties("spring.config.name=" + CONFIG_NAME);
    }
}
