package io.aof.orchestrator.policy;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

@Configuration(proxyBeanMethods = false)
class PolicyConfiguration {

    @Bean
    Categorizer categorizer(OrchestratorProperties props) {
        return new Categorizer(props.categories());
    }

    @Bean
    PolicyBook policyBook(OrchestratorProperties props) {
        return new PolicyBook(props.policies());
    }
}
