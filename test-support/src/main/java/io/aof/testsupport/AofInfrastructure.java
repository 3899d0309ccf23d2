package io.aof.testsupport;

import javax.sql.DataSource;
import java.util.Map;

/** A Kafka broker and a PostgreSQL database for AOF's tests: embedded here, or containers where Docker runs. */
public interface AofInfrastructure {

    String kafkaBootstrapServers();

    String jdbcUrl();

    DataSource dataSource();

    /** Spring properties that point one AOF service at this infrastructure. */
    Map<String, Object> serviceProperties();

    /** Registers something to close before the broker and database stop. */
    void closeBeforeStop(AutoCloseable closeable);
}
