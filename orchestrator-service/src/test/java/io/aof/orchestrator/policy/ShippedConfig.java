package io.aof.orchestrator.policy;

import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.ConfigurationPropertySources;
import org.springframework.boot.env.YamlPropertySourceLoader;
import org.springframework.core.env.MutablePropertySources;
import org.springframework.core.env.PropertySource;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.core.io.ClassPathResource;

import java.io.IOException;
import java.io.UncheckedIOException;

/** The orchestrator's shipped orchestrator-service.yml, bound as the service binds it. */
final class ShippedConfig {

    static OrchestratorProperties load() {
        try {
            StandardEnvironment env = new StandardEnvironment();
            MutablePropertySources sources = env.getPropertySources();
            for (PropertySource<?> s : new YamlPropertySourceLoader().load("shipped",
                    new ClassPathResource("orchestrator-service.yml"))) {
                sources.addFirst(s);
            }
            return new Binder(ConfigurationPropertySources.get(env)).bind("aof.orchestrator",
                    OrchestratorProperties.class).get();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private ShippedConfig() {
    }
}
