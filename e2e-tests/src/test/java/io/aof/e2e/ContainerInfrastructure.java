package io.aof.e2e;

import io.aof.testsupport.AofInfrastructure;
import org.postgresql.ds.PGSimpleDataSource;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.kafka.KafkaContainer;
import org.testcontainers.postgresql.PostgreSQLContainer;
import org.testcontainers.utility.DockerImageName;

import javax.sql.DataSource;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * Kafka (KRaft) and PostgreSQL in Testcontainers, for where a Docker engine runs. The images built on this
 * machine by {@code .ci/docker-images} (Debian packages and the Maven Central Kafka jars, for machines that reach
 * no registry) are used when the engine has them; otherwise the official ones, pulled.
 */
final class ContainerInfrastructure implements AofInfrastructure, AutoCloseable {

    private final KafkaContainer kafka = new KafkaContainer(image("aof/kafka:" + ComposeFileTest.KAFKA_VERSION,
            "apache/kafka:" + ComposeFileTest.KAFKA_VERSION));
    private final PostgreSQLContainer postgres = new PostgreSQLContainer(image("aof/postgres:15", "postgres:17"));
    private final Deque<AutoCloseable> closeFirst = new ArrayDeque<>();

    ContainerInfrastructure() {
        // side by side: neither waits for the other to be up
        org.testcontainers.lifecycle.Startables.deepStart(kafka, postgres).join();
    }

    /** The local image, standing in for the official one, when the engine has it; else the official one. */
    private static DockerImageName image(String local, String official) {
        DockerImageName officialName = DockerImageName.parse(official);
        try {
            DockerClientFactory.instance().client().inspectImageCmd(local).exec();
            return DockerImageName.parse(local).asCompatibleSubstituteFor(officialName.getUnversionedPart());
        } catch (RuntimeException notThere) {
            return officialName;
        }
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
