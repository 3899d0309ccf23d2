package io.aof.common.messaging;

import io.aof.common.events.EventDecodingException;
import io.aof.testsupport.AofTestInfrastructure;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.CannotGetJdbcConnectionException;
import org.springframework.kafka.core.DefaultKafkaConsumerFactory;
import org.springframework.kafka.core.DefaultKafkaProducerFactory;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.kafka.listener.ContainerProperties;
import org.springframework.kafka.listener.KafkaMessageListenerContainer;
import org.springframework.kafka.listener.MessageListener;

import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The shared Kafka error handler with a real broker and a plain listener container: an infrastructure failure is
 * retried past the ordinary tries and never dead-lettered, an undecodable record is dead-lettered at once, and a
 * record of a dead-letter topic never goes to a dead-letter topic of its own.
 */
class AofKafkaErrorHandlerTest {

    AofTestInfrastructure infra = AofTestInfrastructure.get();
    SimpleMeterRegistry meters = new SimpleMeterRegistry();
    DefaultKafkaProducerFactory<String, String> producers = new DefaultKafkaProducerFactory<>(Map.of(
            ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, infra.kafkaBootstrapServers(),
            ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class,
            ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class));
    KafkaTemplate<String, String> template = new KafkaTemplate<>(producers);
    List<KafkaMessageListenerContainer<?, ?>> containers = new ArrayList<>();
    /** Ten tries for ordinary failures, as in production; short pauses so the test is quick. */
    AofProperties.Consumer settings = new AofProperties.Consumer(10, Duration.ofMillis(10), Duration.ofMillis(10),
            Duration.ofMillis(40));

    @AfterEach
    void stop() {
        containers.forEach(KafkaMessageListenerContainer::stop);
        producers.destroy();
    }

    void listen(String topic, MessageListener<String, String> listener) {
        ContainerProperties props = new ContainerProperties(topic);
        props.setGroupId("test-" + UUID.randomUUID());
        props.setMessageListener(listener);
        KafkaMessageListenerContainer<String, String> c = new KafkaMessageListenerContainer<>(
                new DefaultKafkaConsumerFactory<>(Map.of(
                        ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, infra.kafkaBootstrapServers(),
                        ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                        // a retried record is fetched again at once, not after the broker's default 500 ms wait
                        ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, 10,
                        ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class,
                        ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class)), props);
        c.setCommonErrorHandler(AofMessagingConfiguration.errorHandler(template, settings, meters));
        c.start();
        containers.add(c);
    }

    /** Records arriving on {@code topic} until {@code done} holds or one arrives (at most two minutes). */
    List<String> watch(String topic, BooleanSupplier done) {
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, infra.kafkaBootstrapServers(),
                ConsumerConfig.GROUP_ID_CONFIG, "watch-" + UUID.randomUUID(),
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class,
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class))) {
            consumer.subscribe(List.of(topic));
            List<String> seen = new ArrayList<>();
            long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
            while (seen.isEmpty() && !done.getAsBoolean() && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(100))) {
                    seen.add(r.value());
                }
            }
            return seen;
        }
    }

    @Test
    void aDatabaseOutageIsRetriedBeyondTheOrdinaryTriesAndNeverDeadLettered() {
        String topic = "test.handler." + UUID.randomUUID();
        AtomicInteger calls = new AtomicInteger();
        AtomicBoolean stored = new AtomicBoolean();
        listen(topic, r -> {
            if (calls.incrementAndGet() <= 25) {
                throw new CannotGetJdbcConnectionException("database down",
                        new SQLException("Connection to localhost:5432 refused", "08001"));
            }
            stored.set(true);
        });
        template.send(topic, "k", "event");

        List<String> deadLetters = watch(topic + ".dlt", stored::get);

        assertThat(deadLetters).isEmpty();
        assertThat(stored).isTrue();
        assertThat(calls.get()).isEqualTo(26);
        assertThat(meters.find("aof.dlt.messages").counter()).isNull();
        assertThat(meters.get("aof.consumer.retries").tag("kind", "infrastructure").counter().count()).isEqualTo(25);
        assertThat(meters.get("aof.consumer.retries").tag("kind", "other").counter().count()).isZero();
    }

    @Test
    void anUndecodableRecordIsDeadLetteredAtOnce() {
        String topic = "test.handler." + UUID.randomUUID();
        AtomicInteger calls = new AtomicInteger();
        listen(topic, r -> {
            calls.incrementAndGet();
            throw new EventDecodingException("not JSON");
        });
        template.send(topic, "k", "garbage");

        assertThat(watch(topic + ".dlt", () -> false)).containsExactly("garbage");
        assertThat(calls.get()).isEqualTo(1);
    }

    @Test
    void aRecordOfADeadLetterTopicThatKeepsFailingStaysThereWithoutADeadLetterTopicOfItsOwn() {
        String topic = "test.handler." + UUID.randomUUID() + ".dlt";
        AtomicInteger calls = new AtomicInteger();
        listen(topic, r -> {
            calls.incrementAndGet();
            throw new IllegalStateException("a bug");
        });
        template.send(topic, "k", "dead letter");

        List<String> dltDlt = watch(topic + ".dlt",
                () -> meters.find("aof.dlt.dropped").counter().count() > 0);

        assertThat(dltDlt).isEmpty();
        assertThat(meters.get("aof.dlt.dropped").counter().count()).isEqualTo(1);
        assertThat(calls.get()).isEqualTo(10);
    }
}
