package io.aof.common.events;

import io.aof.common.events.RecoveryEvent.RecoveryOutcome;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class EventCodecTest {

    @Test
    void sealedEventsRoundTripWithTheirType() {
        RecoveryEvent outcome = new RecoveryOutcome(UUID.randomUUID(), Instant.parse("2026-11-25T10:00:00Z"), 1,
                "acme", 42L, "j-AAA", "acme:42:j-AAA", 2, RecoveryOutcome.Status.FAILED, "j-BBB", "boom",
                Duration.ofSeconds(7));

        String json = EventCodec.encode(outcome);

        assertThat(json).contains("\"type\":\"RecoveryOutcome\"");
        assertThat(EventCodec.decode(Topics.RECOVERY_EVENTS, json)).isEqualTo(outcome);
    }

    @Test
    void unknownFieldsAreIgnoredSoOlderReadersKeepWorking() {
        RecoveryRequested r = RecoveryRequested.of("acme", 42, "j-AAA", "acme:42:j-AAA", 1);
        String json = EventCodec.encode(r).replaceFirst("\\{", "{\"addedLater\":true,");

        assertThat(EventCodec.decode(Topics.RECOVERY_REQUESTS, json)).isEqualTo(r);
    }

    @Test
    void aJobFailedWrittenBeforeWebhookSourceExistedDecodesWithoutOneAndCopiesKeepIt() {
        JobFailed pushed = JobFailed.of("acme", 42, "Orders", null, "j-AAA", null, "boom", null, 500, null,
                Instant.parse("2026-11-25T10:00:00Z"), JobFailed.CollectionSource.WEBHOOK, "team-a");
        String json = EventCodec.encode(pushed);
        assertThat(json).contains("\"webhookSource\":\"team-a\"");
        assertThat(EventCodec.decode(Topics.JOB_FAILURES, json)).isEqualTo(pushed);

        String old = json.replace(",\"webhookSource\":\"team-a\"", "");
        assertThat(old).doesNotContain("webhookSource");
        assertThat(EventCodec.decode(Topics.JOB_FAILURES, old).webhookSource()).isNull();

        // every copy keeps who reported it
        assertThat(pushed.withMaster("j-M").webhookSource()).isEqualTo("team-a");
        assertThat(pushed.withErrorDetail("Http500", 500).webhookSource()).isEqualTo("team-a");
        assertThat(pushed.notRepeatable("a test job").webhookSource()).isEqualTo("team-a");
    }

    @Test
    void newerSchemaVersionsAndGarbageAreRefused() {
        String newer = EventCodec.encode(RecoveryRequested.of("acme", 42, "j-AAA", "acme:42:j-AAA", 1))
                .replace("\"schemaVersion\":1", "\"schemaVersion\":2");

        assertThatThrownBy(() -> EventCodec.decode(Topics.RECOVERY_REQUESTS, newer))
                .isInstanceOf(EventDecodingException.class).hasMessageContaining("schemaVersion 2");
        assertThatThrownBy(() -> EventCodec.decode(Topics.JOB_FAILURES, "not json"))
                .isInstanceOf(EventDecodingException.class);
        assertThatThrownBy(() -> EventCodec.decode(Topics.JOB_FAILURES, "{\"schemaVersion\":1}"))
                .isInstanceOf(EventDecodingException.class).hasMessageContaining("eventId");
    }

    @Test
    void everyTopicHasADeadLetterTopic() {
        assertThat(Topics.allNamesWithDeadLetters()).hasSize(Topics.ALL.size() * 2)
                .contains("aof.job-failures", "aof.job-failures.dlt");
    }
}
