package io.aof.common.messaging;

import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

import java.time.Duration;
import java.util.Map;

/**
 * Settings every AOF service shares ({@code aof.*}).
 *
 * @param workspace the Workato workspace this deployment watches; part of every incident id
 * @param topics    how AOF's topics are created
 * @param outbox    how often the transactional outbox is relayed to Kafka
 * @param retention how long rows of the service's bookkeeping tables are kept ({@code periods.<table>})
 * @param consumer  how a failing record is retried before (or instead of) the dead-letter topic
 */
@Validated
@ConfigurationProperties("aof")
public record AofProperties(
        @NotBlank @DefaultValue("default") String workspace,
        @DefaultValue Topics topics,
        @DefaultValue Outbox outbox,
        @DefaultValue Retention retention,
        @DefaultValue Consumer consumer) {

    public record Topics(@Min(1) @DefaultValue("6") int partitions,
                         @Min(1) @DefaultValue("1") short replicationFactor) {
    }

    /**
     * @param pollInterval      how often the relay looks for rows
     * @param batchSize         rows sent per round (pipelined, each result handled on its own)
     * @param sendTimeout       how long a round waits for Kafka's acknowledgements; a row not acknowledged by then
     *                          stays and is sent again (consumers are idempotent on the event id)
     * @param alertQuietPeriod  at most one admin alert about parked rows per this period
     * @param gaugeInterval     how often {@code aof.outbox.backlog} and {@code aof.outbox.oldest.age} are refreshed
     */
    public record Outbox(@DefaultValue("200ms") Duration pollInterval,
                         @Min(1) @DefaultValue("200") int batchSize,
                         @DefaultValue("30s") Duration sendTimeout,
                         @DefaultValue("1h") Duration alertQuietPeriod,
                         @DefaultValue("15s") Duration gaugeInterval) {
        public Outbox {
            positive("aof.outbox.send-timeout", sendTimeout);
            positive("aof.outbox.alert-quiet-period", alertQuietPeriod);
            positive("aof.outbox.gauge-interval", gaugeInterval);
        }
    }

    /**
     * @param attempts                  tries of a record that fails for another reason than the infrastructure,
     *                                  before its dead-letter topic
     * @param retryInterval             the pause between those tries
     * @param infrastructureBackoff     the first pause after an infrastructure failure (doubling each time)
     * @param infrastructureMaxBackoff  the longest pause between infrastructure retries (they never end); keep it
     *                                  well under the consumer's {@code max.poll.interval.ms} (5 min by default)
     */
    public record Consumer(@Min(1) @DefaultValue("10") int attempts,
                           @DefaultValue("1s") Duration retryInterval,
                           @DefaultValue("1s") Duration infrastructureBackoff,
                           @DefaultValue("60s") Duration infrastructureMaxBackoff) {
        public Consumer {
            positive("aof.consumer.retry-interval", retryInterval);
            positive("aof.consumer.infrastructure-backoff", infrastructureBackoff);
            positive("aof.consumer.infrastructure-max-backoff", infrastructureMaxBackoff);
            if (infrastructureMaxBackoff.compareTo(infrastructureBackoff) < 0) {
                throw new IllegalArgumentException("aof.consumer.infrastructure-max-backoff (" + infrastructureMaxBackoff
                        + ") must not be shorter than aof.consumer.infrastructure-backoff (" + infrastructureBackoff + ")");
            }
        }
    }

    private static void positive(String key, Duration value) {
        if (value == null || value.isZero() || value.isNegative()) {
            throw new IllegalArgumentException(key + " must be a positive duration, was " + value);
        }
    }

    public record Retention(Map<String, Duration> periods) {
        public Retention {
            periods = periods == null ? Map.of() : Map.copyOf(periods);
        }
    }
}
