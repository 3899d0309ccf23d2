package io.aof.common.workato;

import io.micrometer.core.instrument.MeterRegistry;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** Imported by the services that call Workato (collation, recovery). */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(WorkatoProperties.class)
public class WorkatoClientConfiguration {

    @Bean
    WorkatoClient workatoClient(WorkatoProperties props, MeterRegistry meters) {
        return new WorkatoClient(props, meters);
    }
}
