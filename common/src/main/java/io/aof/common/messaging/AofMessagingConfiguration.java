package io.aof.common.messaging;

import io.aof.common.events.EventDecodingException;
import io.aof.common.events.Topic;
import io.aof.common.events.Topics;
import io.aof.common.ops.AofSecurityConfiguration;
import io.aof.common.ops.KafkaHealth;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.aof.common.retention.RetentionJob;
import io.aof.common.retention.RetentionRule;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;
import org.springframework.core.env.Environment;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.kafka.config.TopicBuilder;
import org.springframework.kafka.core.KafkaAdmin;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.kafka.core.ProducerFactory;
import org.springframework.kafka.listener.CommonErrorHandler;
import org.springframework.kafka.listener.ConsumerRecordRecoverer;
import org.springframework.kafka.listener.DeadLetterPublishingRecoverer;
import org.springframework.kafka.listener.DefaultErrorHandler;
import org.springframework.scheduling.annotation.EnableScheduling;
import org.springframework.transaction.support.TransactionTemplate;
import org.springframework.util.backoff.ExponentialBackOff;
import org.springframework.util.backoff.FixedBackOff;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The messaging mechanism every service shares: topics, the outbox and its
 * relay, the inbox, and one Kafka error handler that retries a record failing
 * for the infrastructure's sake until it succeeds, and dead-letters the others
 * (at once when the record cannot be decoded or is invalid, after a few tries
 * otherwise), counted under {@code aof.dlt.messages}.
 */
@Configuration(proxyBeanMethods = false)
@EnableScheduling
@EnableConfigurationProperties(AofProperties.class)
@Import(AofSecurityConfiguration.class)
public class AofMessagingConfiguration {

    private static final Logger log = LoggerFactory.getLogger(AofMessagingConfiguration.class);

    @Bean
    KafkaAdmin.NewTopics aofTopics(AofProperties props) {
        List<NewTopic> topics = new ArrayList<>();
        for (Topic<?> topic : Topics.ALL) {
            topics.add(TopicBuilder.name(topic.name()).partitions(props.topics().partitions())
                    .replicas(props.topics().replicationFactor()).build());
            topics.add(TopicBuilder.name(topic.deadLetterName()).partitions(props.topics().partitions())
                    .replicas(props.topics().replicationFactor()).build());
        }
        return new KafkaAdmin.NewTopics(topics.toArray(NewTopic[]::new));
    }

    @Bean
    @SuppressWarnings("unchecked")
    KafkaTemplate<String, String> aofKafkaTemplate(ProducerFactory<?, ?> producerFactory) {
        return new KafkaTemplate<>((ProducerFactory<String, String>) producerFactory);
    }

    /** Health component {@code kafka} (in the readiness group). */
    @Bean
    KafkaHealth kafkaHealthIndicator(KafkaAdmin kafkaAdmin) {
        return new KafkaHealth(kafkaAdmin);
    }

    @Bean
    Outbox outbox(JdbcTemplate jdbc, Environment env) {
        // appends only to the topics the catalogue says this service publishes on; a service renamed beyond the
        // catalogue's names (collation-eu) keeps working unchecked rather than failing every append
        String name = env.getProperty("spring.application.name");
        if (name != null && !io.aof.common.events.Topics.EVERY_SERVICE.contains(
                io.aof.common.events.Topics.serviceOf(name))) {
            org.slf4j.LoggerFactory.getLogger(Outbox.class).warn("spring.application.name '{}' is not one of the "
                    + "topic catalogue's services {}: its outbox does not check which topics it publishes on", name,
                    io.aof.common.events.Topics.EVERY_SERVICE);
            return new Outbox(jdbc);
        }
        return new Outbox(jdbc, name);
    }

    @Bean
    OutboxRelay outboxRelay(JdbcTemplate jdbc, TransactionTemplate tx, KafkaTemplate<String, String> aofKafkaTemplate,
                            AofProperties props, Environment env, MeterRegistry meters,
                            org.springframework.beans.factory.ObjectProvider<java.time.Clock> clock) {
        // the service's name goes with every record it publishes (the aof-service header)
        String service = env.getProperty("spring.application.name", "aof");
        return new OutboxRelay(jdbc, tx, aofKafkaTemplate, props.outbox(), props.workspace(), service, meters,
                clock.getIfAvailable(java.time.Clock::systemUTC));
    }

    @Bean
    Inbox inbox(JdbcTemplate jdbc, TransactionTemplate tx) {
        return new Inbox(jdbc, tx);
    }

    /**
     * The inbox must remember an event longer than Kafka keeps it (7 days by
     * default), or a redelivery after the row went would apply it again.
     */
    @Bean
    RetentionRule processedEventRetention() {
        return RetentionRule.of("processed_event", "processed_at", Duration.ofDays(14));
    }

    /** Rows Kafka refused for good: kept a month for an operator to read (and put back, fixed, by hand). */
    @Bean
    RetentionRule outboxParkedRetention() {
        return RetentionRule.of("outbox_parked", "parked_at", Duration.ofDays(30));
    }

    @Bean
    RetentionJob retentionJob(JdbcTemplate jdbc, ObjectProvider<RetentionRule> rules, AofProperties props,
                              MeterRegistry meters) {
        return new RetentionJob(jdbc, rules.orderedStream().toList(), props.retention().periods(), meters);
    }

    @Bean
    CommonErrorHandler aofKafkaErrorHandler(KafkaTemplate<String, String> aofKafkaTemplate, AofProperties props,
                                            MeterRegistry meters) {
        return errorHandler(aofKafkaTemplate, props.consumer(), meters);
    }

    /**
     * The one Kafka error handler: a record whose failure is the infrastructure's ({@link Failures}) is retried
     * with exponential back-off (1 s doubling to 60 s by default) for as long as it takes and never
     * dead-lettered; a record that cannot be decoded or is invalid goes to its dead-letter topic at once; any
     * other failure after {@code aof.consumer.attempts} tries. The back-off restarts when the failure changes
     * kind. A record of a dead-letter topic is never sent to a dead-letter topic of its own: it is logged,
     * counted ({@code aof.dlt.dropped}) and stays on its topic.
     */
    public static DefaultErrorHandler errorHandler(KafkaTemplate<String, String> template,
                                                   AofProperties.Consumer settings, MeterRegistry meters) {
        DeadLetterPublishingRecoverer publisher = new DeadLetterPublishingRecoverer(template,
                (record, ex) -> {
                    Counter.builder("aof.dlt.messages").description("records sent to a dead-letter topic")
                            .tag("topic", record.topic()).register(meters).increment();
                    log.error("Dead-lettering record {}-{}@{} ({}): {}", record.topic(), record.partition(),
                            record.offset(), Failures.classify(ex), Failures.rootMessage(ex));
                    return new TopicPartition(record.topic() + Topics.DLT_SUFFIX, -1);
                });
        Counter dropped = Counter.builder("aof.dlt.dropped")
                .description("records of a dead-letter topic that failed for good (never sent to a .dlt.dlt)")
                .register(meters);
        ConsumerRecordRecoverer recoverer = (record, ex) -> {
            if (record.topic().endsWith(Topics.DLT_SUFFIX)) {
                dropped.increment();
                log.error("Record {}-{}@{} of a dead-letter topic failed for good and stays there (no .dlt.dlt): {}",
                        record.topic(), record.partition(), record.offset(), Failures.rootMessage(ex));
                return;
            }
            publisher.accept(record, ex);
        };
        DefaultErrorHandler handler = new DefaultErrorHandler(recoverer,
                new FixedBackOff(settings.retryInterval().toMillis(), settings.attempts() - 1L));
        handler.addNotRetryableExceptions(EventDecodingException.class, jakarta.validation.ValidationException.class);
        ExponentialBackOff infrastructure = new ExponentialBackOff(settings.infrastructureBackoff().toMillis(), 2.0);
        infrastructure.setMaxInterval(settings.infrastructureMaxBackoff().toMillis());
        infrastructure.setMaxElapsedTime(Long.MAX_VALUE);
        handler.setBackOffFunction((record, ex) -> Failures.isInfrastructure(ex) ? infrastructure : null);
        handler.setResetStateOnExceptionChange(true);
        Counter infrastructureRetries = retries(meters, "infrastructure");
        Counter otherRetries = retries(meters, "other");
        handler.setRetryListeners((record, ex, attempt) -> {
            if (Failures.isInfrastructure(ex)) {
                infrastructureRetries.increment();
                if (Integer.bitCount(attempt) == 1) {   // 1, 2, 4, 8, ...: a long outage does not flood the log
                    log.warn("Record {}-{}@{} failed for the infrastructure's sake (attempt {}); retried until it "
                                    + "succeeds, never dead-lettered: {}", record.topic(), record.partition(),
                            record.offset(), attempt, Failures.rootMessage(ex));
                }
            } else {
                otherRetries.increment();
            }
        });
        return handler;
    }

    private static Counter retries(MeterRegistry meters, String kind) {
        return Counter.builder("aof.consumer.retries").description("failed deliveries of a record that are retried")
                .tag("kind", kind).register(meters);
    }
}
