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

    /** Registers something to close before the broker and database stop. */
    void closeBeforeStop(AutoCloseable closeable);
}
