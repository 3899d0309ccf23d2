package io.aof.testsupport;

import javax.sql.DataSource;
import java.util.LinkedHashMap;
import java.util.Map;

/** A Kafka broker and a PostgreSQL database for AOF's tests: embedded here, or containers where Docker runs. */
public interface AofInfrastructure {

    String kafkaBootstrapServers();

    String jdbcUrl();

    DataSource dataSource();

    String dbUser();

    String dbPassword();

    /**
     * Spring properties that point one AOF service at this infrastructure: its own schema (by its own yml), its
     * own consumer group, the partitions the tests expect, and no shutdown hook of its own (contexts are closed
     * before the broker and database stop, see {@link #closeBeforeStop}).
     */
    default Map<String, Object> serviceProperties() {
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("spring.kafka.bootstrap-servers", kafkaBootstrapServers());
        p.put("spring.datasource.url", jdbcUrl());
        p.put("spring.datasource.username", dbUser());
        p.put("spring.datasource.password", dbPassword());
        p.put("aof.topics.partitions", "3");
        p.put("spring.main.register-shutdown-hook", "false");
        return p;
    }

    /**
     * {@link #serviceProperties()} for a service that must not meet the suite's data: its own schema (migrated
     * there by its own Flyway), its own consumer group, a free port.
     */
    default Map<String, Object> isolatedServiceProperties(String schema, String consumerGroup) {
        Map<String, Object> p = new LinkedHashMap<>(serviceProperties());
        p.put("server.port", "0");
        p.put("spring.datasource.hikari.schema", schema);
        p.put("spring.flyway.schemas", schema);
        p.put("spring.flyway.default-schema", schema);
        p.put("spring.kafka.consumer.group-id", consumerGroup);
        return p;
    }

    /** Registers something to close before the broker and database stop. */
    void closeBeforeStop(AutoCloseable closeable);
}
