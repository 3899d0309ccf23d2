package io.aof.collation;

import io.aof.common.messaging.AofMessagingConfiguration;
import io.aof.common.workato.WorkatoClientConfiguration;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Import;

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

    public static SpringApplicationBuilder builder() {
        return new SpringApplicationBuilder(CollationApplication.class).properties("spring.config.name=" + CONFIG_NAME);
    }
}
