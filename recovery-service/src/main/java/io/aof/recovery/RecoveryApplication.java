package io.aof.recovery;

import io.aof.common.messaging.AofMessagingConfiguration;
import io.aof.common.workato.WorkatoClientConfiguration;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Import;

/** Recovery (CALL-004): repeats jobs in Workato, exactly once per decision, and follows each repeat to its end. */
@SpringBootApplication
@EnableConfigurationProperties(RecoveryProperties.class)
@Import({AofMessagingConfiguration.class, WorkatoClientConfiguration.class})
public class RecoveryApplication {

    public static final String CONFIG_NAME = "recovery-service";

    public static void main(String[] args) {
        builder().run(args);
    }

    public static SpringApplicationBuilder builder() {
        return new SpringApplicationBuilder(RecoveryApplication.class).properties("spring.config.name=" + CONFIG_NAME);
    }
}
