package io.aof.common.messaging;

import io.aof.common.events.EventCodec;
import io.aof.common.events.NotificationRequested;
import io.aof.common.events.Topics;
import io.aof.testsupport.AofTestInfrastructure;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.postgresql.ds.PGSimpleDataSource;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.kafka.core.DefaultKafkaProducerFactory;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.kafka.support.SendResult;
import org.springframework.transaction.support.TransactionTemplate;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The outbox relay on a real PostgreSQL (the common migrations, a fresh schema per test) and a real Kafka broker:
 * a row Kafka refuses never holds back the others, and one relay per service relays at a time.
 */
class OutboxRelayTest {

    AofTestInfrastructure infra = AofTestInfrastructure.get();
    PGSimpleDataSource ds;
    JdbcTemplate jdbc;
    TransactionTemplate tx;
    SimpleMeterRegistry meters = new SimpleMeterRegistry();
    String topic = "test.outbox." + UUID.randomUUID();
    DefaultKafkaProducerFactory<String, String> producers;
    List<AutoCloseable> closeAfter = new ArrayList<>();

    @BeforeEach
    void schema() {
        ds = infra.migratedSchema("outbox");
        jdbc = new JdbcTemplate(ds);
        tx = new TransactionTemplate(new DataSourceTransactionManager(ds));
        producers = new DefaultKafkaProducerFactory<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, infra.kafkaBootstrapServers(),
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class,
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class,
                ProducerConfig.ACKS_CONFIG, "all"));
    }

    @AfterEach
    void close() throws Exception {
        for (AutoCloseable c : closeAfter) {
            c.close();
        }
        producers.destroy();
    }

    OutboxRelay relay(KafkaTemplate<String, String> kafka, int batchSize) {
        return new OutboxRelay(jdbc, tx, kafka, new AofProperties.Outbox(Duration.ofMillis(200), batchSize,
                Duration.ofSeconds(30), Duration.ofHours(1), Duration.ofSeconds(15)), "w", "test-service", meters);
    }

    void append(String key, String payload) {
        jdbc.update("INSERT INTO outbox (event_id, topic, message_key, event_type, payload) VALUES (?, ?, ?, ?, ?)",
                UUID.randomUUID(), topic, key, "Test", payload);
    }

    /** The first {@code n} values on the test topic, in order (waits for them, up to a minute). */
    List<String> consume(int n) {
        KafkaConsumer<String, String> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, infra.kafkaBootstrapServers(),
                ConsumerConfig.GROUP_ID_CONFIG, "test-" + UUID.randomUUID(),
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class,
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class));
        try (consumer) {
            consumer.subscribe(List.of(topic));
            List<String> values = new ArrayList<>();
            long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(1);
            while (values.size() < n && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) {
                    values.add(r.value());
                }
            }
            return values;
        }
    }

    @Test
    void aRowKafkaRefusesIsParkedAndAlertedWhileTheRowsAroundItAreDelivered() {
        String tooLarge = "x".repeat(2 * 1024 * 1024);   // over the producer's max.request.size (1 MiB)
        append("k", "good-1");
        append("k", "good-2");
        append("k", tooLarge);
        append("k", "good-3");
        append("k", "good-4");
        OutboxRelay relay = relay(new KafkaTemplate<>(producers), 200);

        assertThat(relay.relayBatch()).isEqualTo(5);

        assertThat(consume(4)).containsExactly("good-1", "good-2", "good-3", "good-4");
        assertThat(jdbc.queryForList("SELECT topic || ' ' || length(payload) FROM outbox_parked",
                String.class)).containsExactly(topic + " " + tooLarge.length());
        assertThat(jdbc.queryForObject("SELECT error FROM outbox_parked", String.class))
                .contains("RecordTooLargeException");
        assertThat(meters.get("aof.outbox.parked").tag("topic", topic).counter().count()).isEqualTo(1);
        // the admin alert waits in the outbox, appended in the same transaction
        assertThat(jdbc.queryForList("SELECT topic || ' ' || event_type FROM outbox", String.class))
                .containsExactly("aof.notification-requests NotificationRequested");
        NotificationRequested alert = (NotificationRequested) EventCodec.decode(Topics.NOTIFICATION_REQUESTS,
                jdbc.queryForObject("SELECT payload FROM outbox", String.class));
        assertThat(alert.kind()).isEqualTo(NotificationRequested.Kind.AOF_TROUBLE);
        assertThat(alert.audience()).isEqualTo(NotificationRequested.Audience.SUPER_ADMIN);
        assertThat(alert.error()).contains("RecordTooLargeException");
        // a trouble like the others: it has an incident id (acknowledgeable, repeated until then)
        assertThat(alert.incidentId()).startsWith("aof:test-service:outbox-parked:");

        // a second refused row within the quiet period is parked and counted, and told under the same trouble
        // and dedup key, which the notifier delivers once per destination (NotificationDispatcherTest)
        append("k", tooLarge);
        append("k", "good-5");
        assertThat(relay.relayBatch()).isEqualTo(3);
        assertThat(consume(5)).containsExactly("good-1", "good-2", "good-3", "good-4", "good-5");
        assertThat(jdbc.queryForObject("SELECT count(*) FROM outbox_parked", Integer.class)).isEqualTo(2);
        NotificationRequested again = (NotificationRequested) EventCodec.decode(Topics.NOTIFICATION_REQUESTS,
                jdbc.queryForObject("SELECT payload FROM outbox", String.class));
        assertThat(again.incidentId()).isEqualTo(alert.incidentId());
        assertThat(again.dedupKey()).isEqualTo(alert.dedupKey());
        assertThat(meters.get("aof.outbox.parked").tag("topic", topic).counter().count()).isEqualTo(2);

        assertThat(relay.relayBatch()).isEqualTo(1);   // the second alert goes too
        relay.measure();
        assertThat(meters.get("aof.outbox.backlog").gauge().value()).isZero();
    }

    @Test
    void theBacklogGaugesTellRowsAndTheOldestAge() {
        append("k", "a");
        append("k", "b");
        jdbc.update("UPDATE outbox SET created_at = now() - interval '90 seconds' WHERE payload = 'a'");
        OutboxRelay relay = relay(new KafkaTemplate<>(producers), 200);
        assertThat(meters.get("aof.outbox.parked").tag("topic", "aof.job-failures").counter().count()).isZero();
        relay.measure();
        assertThat(meters.get("aof.outbox.backlog").gauge().value()).isEqualTo(2);
        assertThat(meters.get("aof.outbox.oldest.age").gauge().value()).isBetween(90.0, 3600.0);
    }

    /** Instance A's Kafka template: its first send waits for the test; once A is "gone", it fails. */
    static class GatedTemplate extends KafkaTemplate<String, String> {
        final CountDownLatch entered = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);

        GatedTemplate(DefaultKafkaProducerFactory<String, String> producers) {
            super(producers);
        }

        @Override
        public CompletableFuture<SendResult<String, String>> send(ProducerRecord<String, String> record) {
            entered.countDown();
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return CompletableFuture.failedFuture(new IllegalStateException("instance A is gone"));
        }
    }

    @Test
    void oneRelayAtATimeKeepsPerKeyOrderAndAnotherTakesOverWhenTheHolderDies() throws Exception {
        for (int i = 1; i <= 10; i++) {
            append("incident-1", "event-" + i);
        }
        GatedTemplate gateA = new GatedTemplate(producers);
        OutboxRelay a = relay(gateA, 5);
        OutboxRelay b = relay(new KafkaTemplate<>(producers), 5);
        Thread threadA = new Thread(() -> {
            try {
                a.relayBatch();
            } catch (RuntimeException expected) {
                // its connection was terminated
            }
        }, "relay-a");
        threadA.start();
        assertThat(gateA.entered.await(1, TimeUnit.MINUTES)).isTrue();

        // A is in the middle of its round (rows 1-5): B gets nothing, rather than sending rows 6-10 first
        assertThat(b.relayBatch()).isEqualTo(-1);

        // A dies: its session ends, and its lock with it
        Boolean terminated = jdbc.queryForObject("SELECT bool_and(pg_terminate_backend(pid, 60000)) FROM pg_locks "
                + "WHERE locktype = 'advisory' AND granted AND classid = ?::oid AND objsubid = 2", Boolean.class,
                (long) OutboxRelay.LOCK_CLASS);
        assertThat(terminated).isTrue();
        assertThat(b.relayBatch()).isEqualTo(5);
        assertThat(b.relayBatch()).isEqualTo(5);
        gateA.release.countDown();
        threadA.join();

        List<String> expected = new ArrayList<>();
        for (int i = 1; i <= 10; i++) {
            expected.add("event-" + i);
        }
        assertThat(consume(10)).containsExactlyElementsOf(expected);
        assertThat(jdbc.queryForObject("SELECT count(*) FROM outbox", Integer.class)).isZero();
    }
}
