package io.aof.e2e;

import io.aof.testsupport.AofInfrastructure;
import org.postgresql.ds.PGSimpleDataSource;
import org.testcontainers.kafka.KafkaContainer;
import org.testcontainers.postgresql.PostgreSQLContainer;

import javax.sql.DataSource;
import java.util.ArrayDeque;
import java.util.Deque;

/** Kafka (KRaft) and PostgreSQL in Testcontainers, for where a Docker engine runs. */
final class ContainerInfrastructure implements AofInfrastructure, AutoCloseable {

    private final KafkaContainer kafka = new KafkaContainer("apache/kafka:4.1.1");
    private final PostgreSQLContainer postgres = new PostgreSQLContainer("postgres:17");
    private final Deque<AutoCloseable> closeFirst = new ArrayDeque<>();

    ContainerInfrastructure() {
        kafka.start();
        postgres.start();
    }

    @Override
    public String kafkaBootstrapServers() {
        return kafka.getBootstrapServers();
    }

    @Override
    public String jdbcUrl() {
        return postgres.getJdbcUrl();
    }

    @Override
    public DataSource dataSource() {
        PGSimpleDataSource ds = new PGSimpleDataSource();
        ds.setUrl(postgres.getJdbcUrl());
        ds.setUser(dbUser());
        ds.setPassword(dbPassword());
        return ds;
    }

    @Override
    public String dbUser() {
        return postgres.getUsername();
    }

    @Override
    public String dbPassword() {
        return postgres.getPassword();
    }

    @Override
    public synchronized void closeBeforeStop(AutoCloseable closeable) {
        closeFirst.push(closeable);
    }

    @Override
    public synchronized void close() {
        while (!closeFirst.isEmpty()) {
            try {
                closeFirst.pop().close();
            } catch (Exception ignored) {
                // closing anyway
            }
        }
        kafka.stop();
        postgres.stop();
    }
}
