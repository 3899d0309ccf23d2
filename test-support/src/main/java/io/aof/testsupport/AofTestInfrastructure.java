package io.aof.testsupport;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.kafka.test.EmbeddedKafkaKraftBroker;

import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * One real Kafka broker (KRaft, in-process) and one real PostgreSQL (zonky
 * binaries, a child process) per test JVM, started on first use and stopped when
 * the JVM exits. Every test class in the JVM shares them; tests keep apart by
 * schema, consumer group and their own recipe/job ids.
 */
public final class AofTestInfrastructure implements AofInfrastructure {

    private static final Logger log = LoggerFactory.getLogger(AofTestInfrastructure.class);
    private static AofTestInfrastructure instance;

    private final EmbeddedKafkaKraftBroker kafka;
    private final java.util.Deque<AutoCloseable> closeFirst = new java.util.ArrayDeque<>();
    private boolean stopped;
    private final EmbeddedPostgres postgres;

    private AofTestInfrastructure() {
        long start = System.nanoTime();
        kafka = new EmbeddedKafkaKraftBroker(1, 3);
        kafka.brokerProperty("auto.create.topics.enable", "true");
        kafka.afterPropertiesSet();
        try {
            postgres = EmbeddedPostgres.builder().start();
        } catch (IOException e) {
            kafka.destroy();
            throw new UncheckedIOException("could not start embedded PostgreSQL", e);
        }
        log.info("Test infrastructure up in {} ms: kafka={} postgres={}", (System.nanoTime() - start) / 1_000_000,
                kafka.getBrokersAsString(), jdbcUrl());
        Runtime.getRuntime().addShutdownHook(new Thread(this::stop, "aof-test-infrastructure-stop"));
    }

    public static synchronized AofTestInfrastructure get() {
        if (instance == null) {
            instance = new AofTestInfrastructure();
        }
        return instance;
    }

    @Override
    public String kafkaBootstrapServers() {
        return kafka.getBrokersAsString();
    }

    @Override
    public String jdbcUrl() {
        return "jdbc:postgresql://localhost:" + postgres.getPort() + "/postgres";
    }

    @Override
    public javax.sql.DataSource dataSource() {
        return postgres.getPostgresDatabase();
    }

    @Override
    public String dbUser() {
        return "postgres";
    }

    @Override
    public String dbPassword() {
        return "postgres";
    }

    /**
     * Registers something (a Spring context) to close before the broker and the
     * database stop at JVM exit, newest first; otherwise its Kafka clients would
     * wait for a broker that is already gone.
     */
    @Override
    public synchronized void closeBeforeStop(AutoCloseable closeable) {
        closeFirst.push(closeable);
    }

    /** Stops everything if it was started; called when the test session ends, before the JVM exits. */
    static synchronized void stopIfStarted() {
        if (instance != null) {
            instance.stop();
        }
    }

    private synchronized void stop() {
        if (stopped) {
            return;
        }
        stopped = true;
        long start = System.nanoTime();
        synchronized (this) {
            while (!closeFirst.isEmpty()) {
                try {
                    closeFirst.pop().close();
                } catch (Exception e) {
                    log.warn("closing before stop: {}", e.toString());
                }
            }
        }
        try {
            kafka.destroy();
        } catch (RuntimeException e) {
            log.warn("stopping embedded Kafka: {}", e.toString());
        }
        try {
            postgres.close();
        } catch (IOException e) {
            log.warn("stopping embedded PostgreSQL: {}", e.toString());
        }
        log.info("Test infrastructure stopped in {} ms", (System.nanoTime() - start) / 1_000_000);
    }
}
