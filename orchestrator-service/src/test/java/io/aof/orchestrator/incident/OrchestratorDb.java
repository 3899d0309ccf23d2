package io.aof.orchestrator.incident;

import io.aof.common.events.AofEvent;
import io.aof.common.events.EventCodec;
import io.aof.common.events.JobFailed;
import io.aof.common.events.RecoveryEvent;
import io.aof.common.events.RecoveryEvent.RecoveryOutcome;
import io.aof.common.messaging.Outbox;
import io.aof.orchestrator.policy.Categorizer;
import io.aof.orchestrator.policy.OrchestratorProperties;
import io.aof.orchestrator.policy.OrchestratorProperties.AfterSuppression;
import io.aof.orchestrator.policy.OrchestratorProperties.CategoryRule;
import io.aof.orchestrator.policy.OrchestratorProperties.NotifyWhen;
import io.aof.orchestrator.policy.OrchestratorProperties.PolicySpec;
import io.aof.orchestrator.policy.PolicyBook;
import io.aof.common.events.NotificationRequested.Severity;
import io.aof.testsupport.AofTestInfrastructure;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.postgresql.ds.PGSimpleDataSource;
import org.springframework.jdbc.core.JdbcTemplate;
import jakarta.persistence.EntityManagerFactory;
import org.springframework.context.annotation.AnnotationConfigApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.data.jpa.repository.config.EnableJpaRepositories;
import org.springframework.orm.jpa.JpaTransactionManager;
import org.springframework.orm.jpa.LocalContainerEntityManagerFactoryBean;
import org.springframework.orm.jpa.vendor.HibernateJpaVendorAdapter;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.TransactionDefinition;
import org.springframework.transaction.support.TransactionTemplate;

import javax.sql.DataSource;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;

/**
 * The orchestrator's state machine on a real PostgreSQL (its own migrations in a
 * fresh schema), without the service's Spring context or Kafka: events are read
 * back from the outbox table, where the service writes them in its transaction.
 * Its JPA repositories come from a small context of their own ({@link Jpa}), with
 * the one transaction manager that the JdbcTemplate SQL shares, as in the service.
 */
final class OrchestratorDb {

    static final String WORKSPACE = "w";
    static final long RECIPE = 7L;

    final JdbcTemplate jdbc;
    final TransactionTemplate tx;
    final IncidentStore incidents;
    final IncidentRepository incidentRepository;
    final RecipeSuppressionRepository suppressions;
    final OperatorActionRepository operatorActions;
    final PlatformTransactionManager transactions;
    final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    final OrchestratorProperties props;
    final IncidentService service;
    final OutageRepository outageRepository;
    final OutageStore outageStore;
    final Outages outages;
    final OutageSweeps sweeps;
    final DataSource ds;
    final Clock clock;

    OrchestratorDb() {
        this(Clock.systemUTC(), AfterSuppression.SCHEDULE);
    }

    OrchestratorDb(Clock clock, AfterSuppression afterSuppression) {
        this(emptiedSharedSchema(), clock, afterSuppression, OrchestratorProperties.Outages.defaults());
    }

    /** With these outage settings. */
    OrchestratorDb(Clock clock, OrchestratorProperties.Outages outageSettings) {
        this(emptiedSharedSchema(), clock, AfterSuppression.SCHEDULE, outageSettings);
    }

    /** The orchestrator's schema, emptied ({@link AofTestInfrastructure#emptiedSchema}). */
    private static DataSource emptiedSharedSchema() {
        return AofTestInfrastructure.get().emptiedSchema("orchestrator", 8);
    }

    /**
     * The JPA context, one per test JVM (a context per test cost about half a second): its data source is
     * {@link #CURRENT}, pointed at each test's schema; JdbcTemplate uses the same object, so both share the
     * transaction's connection as in the service.
     */
    private static final SwitchableDataSource CURRENT = new SwitchableDataSource();
    private static AnnotationConfigApplicationContext jpa;

    private static synchronized AnnotationConfigApplicationContext jpaOn(DataSource schema) {
        CURRENT.target = schema;
        if (jpa == null) {
            jpa = new AnnotationConfigApplicationContext();
            jpa.registerBean(DataSource.class, () -> CURRENT);
            jpa.register(Jpa.class);
            jpa.refresh();
            AofTestInfrastructure.get().closeBeforeStop(jpa);
        }
        return jpa;
    }

    /** Hands out connections of the schema the current test uses (tests of one JVM run one at a time). */
    static final class SwitchableDataSource extends org.springframework.jdbc.datasource.AbstractDataSource {
        volatile DataSource target;

        @Override
        public java.sql.Connection getConnection() throws java.sql.SQLException {
            return target.getConnection();
        }

        @Override
        public java.sql.Connection getConnection(String user, String password) throws java.sql.SQLException {
            return target.getConnection(user, password);
        }
    }

    /** The state machine on a schema already migrated (an upgraded installation, say). */
    OrchestratorDb(PGSimpleDataSource migrated) {
        this(migrated, Clock.systemUTC(), AfterSuppression.SCHEDULE, OrchestratorProperties.Outages.defaults());
    }

    private OrchestratorDb(DataSource migrated, Clock clock, AfterSuppression afterSuppression,
                           OrchestratorProperties.Outages outageSettings) {
        ds = migrated;
        this.clock = clock;
        AnnotationConfigApplicationContext jpa = jpaOn(ds);
        jdbc = new JdbcTemplate(CURRENT);
        transactions = jpa.getBean(PlatformTransactionManager.class);
        tx = new TransactionTemplate(transactions);
        suppressions = jpa.getBean(RecipeSuppressionRepository.class);
        operatorActions = jpa.getBean(OperatorActionRepository.class);
        jakarta.persistence.EntityManager em = org.springframework.orm.jpa.SharedEntityManagerCreator
                .createSharedEntityManager(jpa.getBean(jakarta.persistence.EntityManagerFactory.class));
        incidents = new IncidentStore(jdbc, em);
        incidentRepository = jpa.getBean(IncidentRepository.class);
        PolicySpec defaults = new PolicySpec(true, 3, Duration.ofMinutes(5), 2.0, Duration.ofMinutes(10), 0.2,
                Severity.WARNING, NotifyWhen.FIRST_AND_FINAL, true, afterSuppression);
        PolicySpec auth = new PolicySpec(false, null, null, null, null, null, Severity.CRITICAL, null, null, null);
        props = new OrchestratorProperties(Duration.ofSeconds(1),
                List.of(new CategoryRule("AUTH", null, List.of(401), null),
                        new CategoryRule("TIMEOUT", null, List.of(504), null)),
                new OrchestratorProperties.Policies(defaults, Map.of("AUTH", auth), List.of()),
                new OrchestratorProperties.OutcomeSweep(Duration.ofMinutes(1), Duration.ofMinutes(45),
                        Duration.ofMinutes(10), 3),
                Duration.ofSeconds(30), outageSettings);
        Outbox outbox = new Outbox(jdbc, "orchestrator-service");
        outageRepository = jpa.getBean(OutageRepository.class);
        outageStore = new OutageStore(jdbc, em);
        outages = new Outages(outageRepository, outageStore, outbox, meters, clock, props);
        service = new IncidentService(incidents, suppressions, new RecipeSuppressionStore(jdbc), operatorActions,
                outages, outageStore, new Categorizer(props.categories()), new PolicyBook(props.policies()), outbox,
                meters, clock, new Random(42), props, WORKSPACE);
        sweeps = new OutageSweeps(outageRepository, outageStore, outages, service, tx, meters);
    }

    /** A second orchestrator on this one's schema and clock, with other outage settings (nothing emptied). */
    OrchestratorDb sameSchemaWith(OrchestratorProperties.Outages outageSettings) {
        return new OrchestratorDb(ds, clock, AfterSuppression.SCHEDULE, outageSettings);
    }

    /** A transaction of its own (a fresh connection) even inside another, for a second "orchestrator". */
    TransactionTemplate otherTx() {
        TransactionTemplate other = new TransactionTemplate(transactions);
        other.setPropagationBehavior(TransactionDefinition.PROPAGATION_REQUIRES_NEW);
        return other;
    }

    /** Ends the recipe's maintenance window as {@code DELETE /api/suppressions/{recipe}} does, unaudited. */
    boolean endWindow(long recipeId) {
        return tx.execute(s -> suppressions.end(recipeId)) == 1;
    }

    /**
     * Hibernate and the Spring Data repositories as the service's Boot auto-configuration makes them: entities
     * checked against the migrated schema, and a {@link JpaTransactionManager} that also hands its connection to
     * JdbcTemplate.
     */
    @Configuration(proxyBeanMethods = false)
    @EnableJpaRepositories(basePackageClasses = OrchestratorDb.class)
    static class Jpa {

        @Bean
        LocalContainerEntityManagerFactoryBean entityManagerFactory(DataSource ds) {
            LocalContainerEntityManagerFactoryBean emf = new LocalContainerEntityManagerFactoryBean();
            emf.setDataSource(ds);
            emf.setPackagesToScan(OrchestratorDb.class.getPackageName());
            emf.setJpaVendorAdapter(new HibernateJpaVendorAdapter());
            // no look at the database at boot (a context per test): OrchestratorContextTest validates the mappings
            emf.setJpaPropertyMap(Map.of("hibernate.boot.allow_jdbc_metadata_access", "false",
                    "hibernate.dialect", "org.hibernate.dialect.PostgreSQLDialect"));
            return emf;
        }

        @Bean
        JpaTransactionManager transactionManager(EntityManagerFactory emf) {
            return new JpaTransactionManager(emf);
        }
    }

    static JobFailed timeout(String job) {
        return failure(job, "504 Gateway Timeout", 504);
    }

    static JobFailed failure(String job, String error, Integer status) {
        Instant t = Instant.parse("2026-11-27T10:00:00Z");
        return JobFailed.of(WORKSPACE, RECIPE, "Orders", null, job, null, error, null, status, t, t,
                JobFailed.CollectionSource.POLL);
    }

    static String incidentOf(String job) {
        return WORKSPACE + ":" + RECIPE + ":" + job;
    }

    void given(JobFailed failure) {
        tx.executeWithoutResult(s -> service.onJobFailed(failure));
    }

    /** Makes the incident's scheduled attempt due (on the database clock) and runs one scheduler batch. */
    void startDueNow(String incident) {
        jdbc.update("UPDATE scheduled_retry SET due_at = now() - interval '1 second' WHERE incident_id = ?",
                incident);
        new RetryScheduler(incidents, service, tx).startBatch();
    }

    void outcome(String incident, int attempt, RecoveryOutcome.Status status) {
        RecoveryOutcome o = new RecoveryOutcome(UUID.randomUUID(), Instant.now(), AofEvent.SCHEMA_VERSION, WORKSPACE,
                RECIPE, "j", incident, attempt, status, null, status == RecoveryOutcome.Status.SUCCEEDED ? null
                : "still failing", Duration.ofSeconds(3));
        tx.executeWithoutResult(s -> service.onRecoveryOutcome(o));
    }

    void cancelled(String incident, int attempt) {
        var c = new RecoveryEvent.RepeatCancelled(UUID.randomUUID(), Instant.now(), AofEvent.SCHEMA_VERSION,
                WORKSPACE, RECIPE, "j", incident, attempt, "cancelled before it was sent");
        tx.executeWithoutResult(s -> service.onRepeatCancelled(c));
    }

    Incident incident(String id) {
        return incidentRepository.findWithAttemptsById(id).orElseThrow();
    }

    /** Event types in the outbox of one topic, in the order they were written. */
    List<String> outbox(String topic) {
        return jdbc.queryForList("SELECT event_type FROM outbox WHERE topic = ? ORDER BY id", String.class, topic);
    }

    /** The outbox rows of one event type, decoded on their topic. */
    <E extends AofEvent, T extends E> List<T> events(io.aof.common.events.Topic<E> topic, Class<T> type) {
        return jdbc.queryForList("SELECT payload FROM outbox WHERE topic = ? AND event_type = ? ORDER BY id",
                String.class, topic.name(), type.getSimpleName()).stream()
                .map(p -> type.cast(EventCodec.decode(topic, p))).toList();
    }

    List<String> keysOf(String topic, String type) {
        return jdbc.queryForList("SELECT message_key FROM outbox WHERE topic = ? AND event_type = ? ORDER BY id",
                String.class, topic, type);
    }

    int scheduled(String incident) {
        return jdbc.queryForObject("SELECT count(*) FROM scheduled_retry WHERE incident_id = ?", Integer.class,
                incident);
    }

    double counter(String name, String... tags) {
        var c = meters.find(name).tags(tags).counter();
        return c == null ? -1 : c.count();
    }
}
