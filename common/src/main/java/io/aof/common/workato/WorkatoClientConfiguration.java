package io.aof.common.workato;

import io.micrometer.core.instrument.MeterRegistry;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;
import org.springframework.jdbc.core.JdbcTemplate;

import javax.sql.DataSource;

/**
 * Imported by the services that call Workato (collation, recovery): the client, its health, the shared account
 * hold and read budget. Each of those services declares its own {@link BreakerWatch}.
 */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(WorkatoProperties.class)
public class WorkatoClientConfiguration {

    @Bean
    WorkatoClient workatoClient(WorkatoProperties props, MeterRegistry meters, WorkatoAccountHold accountHold,
                                WorkatoReadBudget readBudget, ObjectProvider<java.time.Clock> clock) {
        return new WorkatoClient(props, meters, accountHold, readBudget, clock.getIfAvailable(java.time.Clock::systemUTC),
                WorkatoClient.THREAD_LOCAL_RANDOM);
    }

    /**
     * This service's share of the read budget ({@code aof.workato.resilience.reads-per-minute}), shared by all its
     * instances through {@code <aof.workato.account-hold.schema>.workato_read_budget} under the name
     * {@code aof.workato.read-budget.share} (the service's name by default; instances of one service must use the
     * same). {@code aof.workato.read-budget.shared=false}, or a hold kept in-process, keeps it to this process.
     */
    @Bean
    WorkatoReadBudget workatoReadBudget(ObjectProvider<DataSource> dataSource, WorkatoProperties props,
                                        WorkatoAccountHold accountHold, Environment env) {
        if (!props.readBudget().shared() || !accountHold.isShared()) {
            return WorkatoReadBudget.local();
        }
        String share = props.readBudget().share() == null || props.readBudget().share().isBlank()
                ? serviceName(env) : props.readBudget().share();
        return WorkatoReadBudget.shared(new JdbcTemplate(dataSource.getObject()), props.accountHold().schema(), props,
                share, io.aof.common.ops.InstanceName.create());
    }

    /**
     * Retry-After per Workato account, shared by every service through
     * {@code <aof.workato.account-hold.schema>.workato_hold} (default {@code aof_shared}) on the one PostgreSQL
     * they share; {@code aof.workato.account-hold.enabled=false} keeps it to this process.
     */
    @Bean
    WorkatoAccountHold workatoAccountHold(ObjectProvider<DataSource> dataSource, WorkatoProperties props,
                                          Environment env) {
        String schema = props.accountHold().schema();
        if (!props.accountHold().enabled()) {
            return WorkatoAccountHold.local();
        }
        DataSource ds = dataSource.getIfAvailable();
        if (ds == null) {
            throw new IllegalStateException("aof.workato.account-hold.enabled is true but this service has no "
                    + "DataSource to share Workato's Retry-After through; configure spring.datasource or set "
                    + "aof.workato.account-hold.enabled=false");
        }
        WorkatoAccountHold.migrate(ds, schema);
        return WorkatoAccountHold.shared(new JdbcTemplate(ds), schema, props, serviceName(env));
    }

    /** Health component {@code workato}. */
    @Bean
    WorkatoHealth workatoHealthIndicator(WorkatoClient client) {
        return new WorkatoHealth(client);
    }

    /** The service's name ({@code spring.application.name}), which names its share and its alerts. */
    static String serviceName(Environment env) {
        return env.getProperty("spring.application.name", "aof");
    }
}
