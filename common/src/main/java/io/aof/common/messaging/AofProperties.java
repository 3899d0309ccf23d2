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
 */
@Validated
@ConfigurationProperties("aof")
public record AofProperties(
        @NotBlank @DefaultValue("default") String workspace,
        @DefaultValue Topics topics,
        @DefaultValue Outbox outbox,
        @DefaultValue Retention retention) {

    public record Topics(@Min(1) @DefaultValue("6") int partitions,
                         @Min(1) @DefaultValue("1") short replicationFactor) {
    }

    public record Outbox(@DefaultValue("200ms") Duration pollInterval,
                         @Min(1) @DefaultValue("200") int batchSize) {
    }

    public record Retention(Map<String, Duration> periods) {
        public Retention {
            periods = periods == null ? Map.of() : Map.copyOf(periods);
        }
    }
}
