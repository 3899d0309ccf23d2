package io.aof.simulator;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;

import java.time.Clock;

/** A fake Workato workspace and Slack sink for local runs and tests. */
@SpringBootApplication
@EnableConfigurationProperties(SimulatorProperties.class)
public class WorkatoSimulatorApplication {

    /** The config file name, so the simulator's settings never mix with a service's on one classpath. */
    public static final String CONFIG_NAME = "workato-simulator";

    public static void main(String[] args) {
        builder().run(args);
    }

    public static SpringApplicationBuilder builder() {
        return new SpringApplicationBuilder(WorkatoSimulatorApplication.class)
                .properties("spring.config.name=" + CONFIG_NAME);
    }

    /** The workspace keeps time by a {@link Clock} bean when one is given (a test's), else by the system clock. */
    @Bean
    Workspace workspace(SimulatorProperties props, ObjectProvider<Clock> clock) {
        return new Workspace(props.jobDuration(), props.seed() == 0 ? System.nanoTime() : props.seed(),
                props.firstRecipeId(), props.repeatSucceeded(), clock.getIfAvailable(Clock::systemUTC));
    }

    @Bean
    CallCounter callCounter() {
        return new CallCounter();
    }

    @Bean
    Outage outage() {
        return new Outage();
    }

    @Bean
    Slowdown slowdown() {
        return new Slowdown();
    }

    @Bean
    SlackSink slackSink() {
        return new SlackSink();
    }

    /** The mail catcher, when {@code sim.smtp-port} is set (0 picks a free port). */
    @Bean(destroyMethod = "close")
    @ConditionalOnProperty(name = "sim.smtp-port")
    MailSink mailSink(SimulatorProperties props) {
        return new MailSink(props.smtpPort());
    }

    @Bean
    @ConditionalOnProperty(name = "sim.demo.enabled", havingValue = "true")
    DemoWorkspace demoWorkspace(Workspace workspace, SimulatorProperties props) {
        return new DemoWorkspace(workspace, props);
    }
}
