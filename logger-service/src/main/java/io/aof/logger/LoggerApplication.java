package io.aof.logger;

import io.aof.common.messaging.AofMessagingConfiguration;
import io.aof.logger.report.ReportProperties;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Import;

/** The global logger (CALL-002) and the periodic job report (CALL-007): every fact on every AOF topic, stored once, queryable. */
@SpringBootApplication
@EnableConfigurationProperties(ReportProperties.class)
@Import(AofMessagingConfiguration.class)
public class LoggerApplication {

    public static final String CONFIG_NAME = "logger-service";

    public static void main(String[] args) {
        builder().run(args);
    }

    public static SpringApplicationBuilder builder() {
        return new SpringApplicationBuilder(LoggerApplication.class).properties("spring.config.name=" + CONFIG_NAME);
    }
}
