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
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.kafka.config.TopicBuilder;
import org.springframework.kafka.core.KafkaAdmin;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.kafka.core.ProducerFactory;
import org.springframework.kafka.listener.CommonErrorHandler;
import org.springframework.kafka.listener.DeadLetterPublishingRecoverer;
import org.springframework.kafka.listener.DefaultErrorHandler;
import org.springframework.scheduling.annotation.EnableScheduling;
import org.springframework.transaction.support.TransactionTemplate;
import org.springframework.util.backoff.FixedBackOff;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The messaging mechanism every service shares: topics, the outbox and its
 * relay, the inbox, and one Kafka error handler that retries a failing record a
 * few times and then publishes it to the topic's dead-letter topic (at once for
 * a record that cannot be decoded), counted under {@code aof.dlt.messages}.
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
    Outbox outbox(JdbcTemplate jdbc) {
        return new Outbox(jdbc);
    }

    @Bean
    OutboxRelay outboxRelay(JdbcTemplate jdbc, TransactionTemplate tx, KafkaTemplate<String, String> aofKafkaTemplate,
                            AofProperties props, MeterRegistry meters) {
        return new OutboxRelay(jdbc, tx, aofKafkaTemplate, props.outbox().batchSize(), meters);
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

    @Bean
    RetentionJob retentionJob(JdbcTemplate jdbc, ObjectProvider<RetentionRule> rules, AofProperties props,
                              MeterRegistry meters) {
        return new RetentionJob(jdbc, rules.orderedStream().toList(), props.retention().periods(), meters);
    }

    @Bean
    CommonErrorHandler aofKafkaErrorHandler(KafkaTemplate<String, String> aofKafkaTemplate, MeterRegistry meters) {
        DeadLetterPublishingRecoverer recoverer = new DeadLetterPublishingRecoverer(aofKafkaTemplate,
                (record, ex) -> {
                    Counter.builder("aof.dlt.messages").description("records sent to a dead-letter topic")
                            .tag("topic", record.topic()).register(meters).increment();
                    log.error("Dead-lettering record {}-{}@{}: {}", record.topic(), record.partition(),
                            record.offset(), rootMessage(ex));
                    return new TopicPartition(record.topic() + Topics.DLT_SUFFIX, -1);
                });
        DefaultErrorHandler handler = new DefaultErrorHandler(recoverer, new FixedBackOff(1000L, 9L));
        handler.addNotRetryableExceptions(EventDecodingException.class);
        return handler;
    }

    private static String rootMessage(Throwable ex) {
        Throwable t = ex;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t.toString();
    }
}
