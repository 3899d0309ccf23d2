package io.aof.common.ops;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.clients.admin.DescribeClusterResult;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.kafka.core.KafkaAdmin;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

/** Kafka reachable: the cluster answers {@code describeCluster} within 3 s (asked at most every 10 s). */
public class KafkaHealth implements HealthIndicator, DisposableBean {

    private final KafkaAdmin kafkaAdmin;
    private final CachedHealth cached = new CachedHealth(this::check, Duration.ofSeconds(10));
    private Admin admin;

    public KafkaHealth(KafkaAdmin kafkaAdmin) {
        this.kafkaAdmin = kafkaAdmin;
    }

    @Override
    public Health health() {
        return cached.health();
    }

    private synchronized Health check() {
        try {
            if (admin == null) {
                admin = Admin.create(kafkaAdmin.getConfigurationProperties());
            }
            DescribeClusterResult r = admin.describeCluster(new DescribeClusterOptions().timeoutMs(3000));
            return Health.up().withDetail("clusterId", r.clusterId().get(3, TimeUnit.SECONDS))
                    .withDetail("brokers", r.nodes().get(3, TimeUnit.SECONDS).size()).build();
        } catch (Exception e) {
            return Health.down().withDetail("error", e.getClass().getSimpleName() + ": " + e.getMessage()).build();
        }
    }

    @Override
    public synchronized void destroy() {
        if (admin != null) {
            admin.close(Duration.ofSeconds(2));
        }
    }
}
