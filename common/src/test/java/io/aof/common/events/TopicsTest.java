package io.aof.common.events;

import io.aof.common.messaging.Outbox;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The catalogue names each topic's publishers, and a service's outbox keeps to them. */
class TopicsTest {

    @Test
    void everyTopicHasPublishersAndOnlyKnownServicesPublish() {
        for (Topic<?> topic : Topics.ALL) {
            assertThat(topic.publishers()).as(topic.name()).isNotEmpty().isSubsetOf(Topics.EVERY_SERVICE);
        }
        assertThat(Topics.JOB_FAILURES.solePublisher()).contains("collation");
        assertThat(Topics.NOTIFICATION_REQUESTS.solePublisher()).isEmpty();
        assertThat(Topics.RECOVERY_EVENTS.publishedBy("recovery-service")).isTrue();
        assertThat(Topics.RECOVERY_EVENTS.publishedBy("orchestrator-service")).isFalse();
        assertThat(Topics.byName("aof.incident-events.dlt")).contains(Topics.INCIDENT_EVENTS);
        assertThat(Topics.byName("aof.nothing")).isEmpty();
    }

    @Test
    void aServicesOutboxRefusesATopicTheCatalogueDoesNotLetItPublishOnBeforeWritingAnything() {
        // no database: the refusal comes first (a null JdbcTemplate would fail any write)
        Outbox recovery = new Outbox(null, "recovery-service");
        JobFailed failure = new JobFailed(UUID.randomUUID(), Instant.now(), AofEvent.SCHEMA_VERSION, "w", 7L, "R", 1L,
                "j", null, "w:7:j", "boom", null, 500, Instant.now(), Instant.now(),
                JobFailed.CollectionSource.POLL, null, null, null);

        assertThatThrownBy(() -> recovery.append(Topics.JOB_FAILURES, failure))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("recovery-service may not publish on aof.job-failures: the topic catalogue (Topics) "
                        + "lists its publishers as [collation]");
    }
}
