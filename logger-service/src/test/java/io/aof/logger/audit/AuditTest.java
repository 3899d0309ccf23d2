package io.aof.logger.audit;

import io.aof.common.events.EventCodec;
import io.aof.common.events.OperatorActed.Action;
import io.aof.common.events.OperatorActed;
import io.aof.common.events.Topics;
import io.aof.common.messaging.Headers;
import io.aof.logger.LoggerSchema;
import io.aof.logger.eventlog.EventLogIngester;
import io.aof.logger.eventlog.EventLogIngesterTest;
import io.aof.logger.eventlog.EventLogStore;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.mock.web.MockHttpServletResponse;
import org.springframework.web.ErrorResponseException;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The audit trail as people read it ({@code GET /api/audit}, {@code /api/audit.csv}): the operator actions every
 * service publishes, stored by the logger's ingest like any event (the publishing service from the record's
 * header), filtered, keyset-paged newest first, and nothing else of the log mixed in.
 */
class AuditTest {

    JdbcTemplate jdbc;
    EventLogIngester ingester;
    AuditController api;
    long offset;
    final Instant t0 = Instant.parse("2026-11-27T10:00:00Z");

    void schema() {
        var ds = LoggerSchema.fresh("audit");
        jdbc = new JdbcTemplate(ds);
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        ingester = new EventLogIngester(new EventLogStore(jdbc), meters, EventLogIngesterTest.redactor(meters));
        api = new AuditController(new AuditStore(jdbc));
    }

    ConsumerRecord<String, String> acted(int minute, String actor, Action action, String incidentId, Long recipe,
                                         String reason, String service) {
        OperatorActed a = new OperatorActed(UUID.randomUUID(), t0.plusSeconds(60L * minute), 1, "w", recipe, null,
                incidentId, null, actor, action, incidentId != null ? incidentId : "recipe " + recipe, reason);
        ConsumerRecord<String, String> r = new ConsumerRecord<>(Topics.OPERATOR_ACTIONS.name(), 0, offset++, a.key(),
                EventCodec.encode(a));
        if (service != null) {
            r.headers().add(new RecordHeader(Headers.SERVICE, service.getBytes(StandardCharsets.UTF_8)));
        }
        return r;
    }

    @BeforeEach
    void actions() {
        schema();
        ingester.ingest(List.of(
                acted(1, "alice", Action.REPLAY, "w:7:j-1", 7L, "upstream fixed", "orchestrator-service"),
                acted(2, "bob", Action.RESOLVE, "w:7:j-2", 7L, "fixed by hand", "orchestrator-service"),
                acted(3, "alice", Action.SUPPRESS, null, 8L, "maintenance", "orchestrator-service"),
                acted(4, "carol", Action.ESCALATION_ACK, "w:7:j-2", null, "=cmd|' /C calc'!A0", "notifier-service"),
                acted(5, "alice", Action.DEAD_LETTER_REDRIVE, null, null, "db back", "logger-service"),
                // an incident event of the same incident: the log's, not the audit's
                new ConsumerRecord<>(Topics.INCIDENT_EVENTS.name(), 0, offset++, "w:7:j-1", "{\"type\":"
                        + "\"IncidentOpened\",\"eventId\":\"" + UUID.randomUUID() + "\",\"occurredAt\":\""
                        + t0 + "\",\"incidentId\":\"w:7:j-1\",\"recipeId\":7}")));
    }

    static List<String> lines(AuditController.Page page) {
        return page.items().stream().map(e -> e.actor() + " " + e.action() + " " + e.target() + " " + e.service())
                .toList();
    }

    @Test
    void listsOperatorActionsNewestFirstWithTheServiceThatRecordedThem() {
        assertThat(lines(api.list(null, null, null, null, null, null, null, 100))).containsExactly(
                "alice DEAD_LETTER_REDRIVE recipe null logger",
                "carol ESCALATION_ACK w:7:j-2 notifier",
                "alice SUPPRESS recipe 8 orchestrator",
                "bob RESOLVE w:7:j-2 orchestrator",
                "alice REPLAY w:7:j-1 orchestrator");
        AuditStore.Entry replay = api.list(null, "replay", null, null, null, null, null, 1).items().get(0);
        assertThat(replay.incidentId()).isEqualTo("w:7:j-1");
        assertThat(replay.recipeId()).isEqualTo(7L);
        assertThat(replay.reason()).isEqualTo("upstream fixed");
        assertThat(replay.at()).isEqualTo(t0.plusSeconds(60));
    }

    @Test
    void filtersByActorActionIncidentRecipeAndTime() {
        assertThat(lines(api.list("alice", null, null, null, null, null, null, 100)))
                .containsExactly("alice DEAD_LETTER_REDRIVE recipe null logger", "alice SUPPRESS recipe 8 orchestrator",
                        "alice REPLAY w:7:j-1 orchestrator");
        assertThat(lines(api.list(null, "RESOLVE", null, null, null, null, null, 100)))
                .containsExactly("bob RESOLVE w:7:j-2 orchestrator");
        assertThat(lines(api.list(null, null, "w:7:j-2", null, null, null, null, 100)))
                .containsExactly("carol ESCALATION_ACK w:7:j-2 notifier", "bob RESOLVE w:7:j-2 orchestrator");
        assertThat(lines(api.list(null, null, null, 8L, null, null, null, 100)))
                .containsExactly("alice SUPPRESS recipe 8 orchestrator");
        assertThat(lines(api.list(null, null, null, null, t0.plusSeconds(120), t0.plusSeconds(240), null, 100)))
                .containsExactly("alice SUPPRESS recipe 8 orchestrator", "bob RESOLVE w:7:j-2 orchestrator");
        assertThat(api.list("mallory", null, null, null, null, null, null, 100).items()).isEmpty();
    }

    @Test
    void pagesWithAKeysetCursorUntilTheEnd() {
        List<String> all = new ArrayList<>();
        String after = null;
        int pages = 0;
        do {
            AuditController.Page page = api.list(null, null, null, null, null, null, after, 2);
            all.addAll(lines(page));
            after = page.next();
            pages++;
        } while (after != null);
        assertThat(pages).isEqualTo(3);
        assertThat(all).isEqualTo(lines(api.list(null, null, null, null, null, null, null, 100)));
    }

    @Test
    void exportsCsvWithFormulasDefused() throws Exception {
        MockHttpServletResponse response = new MockHttpServletResponse();
        api.csv(null, null, "w:7:j-2", null, null, null, response);
        assertThat(response.getContentType()).startsWith("text/csv");
        String[] csv = response.getContentAsString(StandardCharsets.UTF_8).split("\r?\n");
        assertThat(csv[0]).isEqualTo("at,actor,action,incident_id,recipe_id,target,reason,service,event_id");
        assertThat(csv).hasSize(3);
        assertThat(csv[1]).startsWith("2026-11-27T10:04:00Z,carol,ESCALATION_ACK,w:7:j-2,,w:7:j-2,'=cmd|' /C calc'!A0,"
                + "notifier,");
        assertThat(csv[2]).startsWith("2026-11-27T10:02:00Z,bob,RESOLVE,w:7:j-2,7,w:7:j-2,fixed by hand,orchestrator,");
    }

    @Test
    void badFiltersAreProblemDetails() {
        assertThatThrownBy(() -> api.list(null, "DELETE_EVERYTHING", null, null, null, null, null, 10))
                .isInstanceOf(ErrorResponseException.class).hasMessageContaining("action must be one of [REPLAY");
        assertThatThrownBy(() -> api.list(null, null, null, null, t0, t0, null, 10))
                .isInstanceOf(ErrorResponseException.class).hasMessageContaining("to must be after from");
        assertThatThrownBy(() -> api.list(null, null, null, null, null, null, null, 501))
                .isInstanceOf(ErrorResponseException.class).hasMessageContaining("limit");
        assertThatThrownBy(() -> api.list(null, null, null, null, null, null, "garbage", 10))
                .isInstanceOf(ErrorResponseException.class).hasMessageContaining("cursor");
    }

    @Test
    void aRecordWithoutTheServiceHeaderIsAttributedByItsTopicsOnlyPublisherElseUnknown() {
        jdbc.update("DELETE FROM event_log");
        UUID id = UUID.randomUUID();
        ingester.ingest(List.of(new ConsumerRecord<>(Topics.NOTIFICATION_REQUESTS.name(), 0, offset++, "k",
                "{\"type\":\"NotificationRequested\",\"eventId\":\"" + id + "\",\"occurredAt\":\"" + t0 + "\"}")));
        ConsumerRecord<String, String> fromLogger = new ConsumerRecord<>(Topics.NOTIFICATION_REQUESTS.name(), 0,
                offset++, "k", "{\"type\":\"NotificationRequested\",\"eventId\":\"" + UUID.randomUUID()
                + "\",\"occurredAt\":\"" + t0 + "\"}");
        fromLogger.headers().add(new RecordHeader(Headers.SERVICE, "logger-service".getBytes(StandardCharsets.UTF_8)));
        ingester.ingest(List.of(fromLogger));
        // alert requests come from every service (the logger's reports, any service's trouble): without the
        // header the publisher is not guessed (it was "orchestrator", also for a report the logger asked for)
        assertThat(jdbc.queryForList("SELECT service FROM event_log ORDER BY id", String.class))
                .containsExactly("unknown", "logger");
    }
}
