package io.aof.testsupport;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.kafka.test.EmbeddedKafkaKraftBroker;

import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * One real Kafka broker (KRaft, in-process) and one real PostgreSQL (zonky
 * binaries, a child process) per test JVM, each started on first use (a JVM whose
 * tests need only PostgreSQL never starts the broker: about 5 s) and stopped when
 * the JVM exits. Every test class in the JVM shares them; tests keep apart by
 * schema, consumer group and their own recipe/job ids.
 */
public final class AofTestInfrastructure implements AofInfrastructure {

    private static final Logger log = LoggerFactory.getLogger(AofTestInfrastructure.class);
    private static AofTestInfrastructure instance;

    private EmbeddedKafkaKraftBroker kafka;
    private final java.util.Deque<AutoCloseable> closeFirst = new java.util.ArrayDeque<>();
    private boolean stopped;
    private final EmbeddedPostgres postgres;

    private AofTestInfrastructure() {
        long start = System.nanoTime();
        try {
            postgres = EmbeddedPostgres.builder().start();
        } catch (IOException e) {
            throw new UncheckedIOException("could not start embedded PostgreSQL", e);
        }
        log.info("Test PostgreSQL up in {} ms: {}", (System.nanoTime() - start) / 1_000_000, jdbcUrl());
        Runtime.getRuntime().addShutdownHook(new Thread(this::stop, "aof-test-infrastructure-stop"));
    }

    public static synchronized AofTestInfrastructure get() {
        if (instance == null) {
            instance = new AofTestInfrastructure();
        }
        return instance;
    }

    /**
     * A data source on a new, empty schema {@code <prefix>_<random>} of the shared PostgreSQL: what a test of
     * one service's SQL needs without Spring (a fresh schema per test, so tests never see each other's rows).
     */
    public org.postgresql.ds.PGSimpleDataSource newSchema(String prefix) {
        String schema = prefix + "_" + java.util.UUID.randomUUID().toString().substring(0, 8);
        org.postgresql.ds.PGSimpleDataSource ds = new org.postgresql.ds.PGSimpleDataSource();
        ds.setUrl(jdbcUrl() + (jdbcUrl().contains("?") ? "&" : "?") + "currentSchema=" + schema);
        ds.setUser(dbUser());
        ds.setPassword(dbPassword());
        try (java.sql.Connection c = ds.getConnection(); java.sql.Statement st = c.createStatement()) {
            st.execute("CREATE SCHEMA " + schema);
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException("could not create schema " + schema, e);
        }
        return ds;
    }

    /**
     * A new schema migrated as a service migrates its own at start: Flyway from {@code classpath:db/common} and
     * {@code classpath:db/<service>} (none: the tables every service has, outbox and inbox).
     */
    public org.postgresql.ds.PGSimpleDataSource migratedSchema(String prefix, String... service) {
        org.postgresql.ds.PGSimpleDataSource ds = newSchema(prefix);
        String schema = ds.getCurrentSchema();
        org.flywaydb.core.Flyway.configure().dataSource(ds).schemas(schema).defaultSchema(schema)
                .locations(java.util.stream.Stream.concat(java.util.stream.Stream.of("common"),
                        java.util.Arrays.stream(service)).map(l -> "classpath:db/" + l).toArray(String[]::new))
                .load().migrate();
        return ds;
    }

    private final java.util.Map<String, com.zaxxer.hikari.HikariDataSource> emptied = new java.util.HashMap<>();

    /**
     * The schema of {@code service}'s migrations for the tests that drive its SQL without a Spring context, one
     * at a time: migrated once per test JVM (a migration per test cost about half a second) and emptied for each
     * call (every table truncated, sequences restarted; no migration inserts rows, so empty is as migrated),
     * behind a small connection pool as the service has (without one, every statement outside a transaction
     * opened a new PostgreSQL connection: a storm test's thousand-odd statements spent most of their time
     * connecting).
     */
    public synchronized javax.sql.DataSource emptiedSchema(String service, int poolSize) {
        com.zaxxer.hikari.HikariDataSource pool = emptied.get(service);
        if (pool == null) {
            com.zaxxer.hikari.HikariConfig config = new com.zaxxer.hikari.HikariConfig();
            config.setDataSource(migratedSchema(service, service));
            config.setPoolName(service + "-test");
            config.setMaximumPoolSize(poolSize);
            pool = new com.zaxxer.hikari.HikariDataSource(config);
            closeBeforeStop(pool);
            emptied.put(service, pool);
            return pool;
        }
        try (java.sql.Connection c = pool.getConnection(); java.sql.Statement st = c.createStatement()) {
            st.execute("""
                    DO $$ DECLARE tables text; BEGIN
                      SELECT string_agg(format('%I', tablename), ', ') INTO tables FROM pg_tables
                       WHERE schemaname = current_schema() AND tablename <> 'flyway_schema_history';
                      EXECUTE 'TRUNCATE ' || tables || ' RESTART IDENTITY CASCADE';
                    END $$""");
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException("could not empty the " + service + " test schema", e);
        }
        return pool;
    }

    @Override
    public synchronized String kafkaBootstrapServers() {
        if (kafka == null) {
            if (stopped) {
                throw new IllegalStateException("the test infrastructure has stopped");
            }
            long start = System.nanoTime();
            EmbeddedKafkaKraftBroker broker = new EmbeddedKafkaKraftBroker(1, 3);
            broker.brokerProperty("auto.create.topics.enable", "true");
            broker.afterPropertiesSet();
            kafka = broker;
            log.info("Test Kafka up in {} ms: {}", (System.nanoTime() - start) / 1_000_000,
                    kafka.getBrokersAsString());
        }
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
            if (kafka != null) {
                kafka.destroy();
            }
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
