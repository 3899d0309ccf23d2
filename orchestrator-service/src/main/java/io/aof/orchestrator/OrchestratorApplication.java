package io.aof.orchestrator;

import io.aof.common.messaging.AofMessagingConfiguration;
import io.aof.orchestrator.policy.OrchestratorProperties;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Import;

/**
 * The orchestrator (CALL-000): turns failed jobs into incidents, classifies
 * them, schedules retries durably, and decides on recovery outcomes and
 * notifications.
 */
@SpringBootApplication
@EnableConfigurationProperties(OrchestratorProperties.class)
@Import(AofMessagingConfiguration.class)
public class OrchestratorApplication {

    public static final String CONFIG_NAME = "orchestrator-service";

    public static void main(String[] args) {
        builder().run(args);
    }

    public static SpringApplicationBuilder builder() {
        return new SpringApplicationBuilder(OrchestratorApplication.class)
                .properties("spring.config.name=" + CONFIG_NAME);
    }
}
