package io.aof.notifier;

import io.aof.common.messaging.AofMessagingConfiguration;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Import;

/** The notifier (CALL-003, CALL-005): tells the ops channel, and escalates to the super admin. */
@SpringBootApplication
@EnableConfigurationProperties(NotifierProperties.class)
@Import(AofMessagingConfiguration.class)
public class NotifierApplication {

    public static final String CONFIG_NAME = "notifier-service";

    public static void main(String[] args) {
        builder().run(args);
    }

    public static SpringApplicationBuilder builder() {
        return new SpringApplicationBuilder(NotifierApplication.class).properties("spring.config.name=" + CONFIG_NAME);
    }
}
