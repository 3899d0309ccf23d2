package io.aof.notifier.escalation;

import io.aof.common.events.EventCodec;
import io.aof.common.events.NotificationRequested.Audience;
import io.aof.common.events.NotificationRequested.Kind;
import io.aof.common.events.NotificationRequested;
import io.aof.common.messaging.Outbox;
import io.aof.common.ops.DomainException;
import io.aof.notifier.NotifierActions;
import io.aof.notifier.NotifierDb;
import io.aof.notifier.NotifierParts;
import io.aof.notifier.intake.NotificationStoreTest;
import io.aof.notifier.intake.RouterTest;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Acknowledging one escalation, or it and the rest of its group (same recipe and category) at once. */
class EscalationAckTest {

    JdbcTemplate jdbc;
    NotifierParts parts;
    NotifierActions actions;

    @BeforeEach
    void schema() {
        javax.sql.DataSource ds = NotifierDb.emptied();
        jdbc = new JdbcTemplate(ds);
        parts = NotifierParts.of(jdbc, RouterTest.bind(Map.of("aof.notifier.escalation.repeat-interval", "0s")),
                new SimpleMeterRegistry(), java.time.Clock.systemUTC());
        actions = new NotifierActions(new TransactionTemplate(new DataSourceTransactionManager(ds)),
                parts.notifications(), new EscalationStore(jdbc), new Outbox(jdbc, "notifier-service"), NotifierParts.aof());
    }

    void escalate(String job, long recipe, String category) {
        NotificationRequested n = NotificationStoreTest.alert(job, Kind.NON_RETRYABLE, Audience.SUPER_ADMIN);
        n = new NotificationRequested(n.eventId(), n.occurredAt(), n.schemaVersion(), n.workspace(), recipe, job,
                "w:" + recipe + ":" + job, n.attempt(), n.audience(), n.kind(), n.severity(), n.dedupKey(), n.title(),
                n.recipeName(), category, n.maxAttempts(), n.error(), n.folderId(), n.nextRetryAt(), n.report());
        parts.intake().store(n, EventCodec.encode(n), List.of("slack:#admin"));
    }

    List<String> open() {
        return jdbc.queryForList("SELECT incident_id FROM escalation WHERE acked_at IS NULL ORDER BY incident_id",
                String.class);
    }

    @Test
    void oneAcknowledgementCoversTheOpenEscalationsOfItsGroupAndEachIsAudited() {
        escalate("j-1", 7, "AUTH");
        escalate("j-2", 7, "AUTH");
        escalate("j-3", 7, "AUTH");
        escalate("j-4", 7, "DATA_VALIDATION");   // another category: another group
        escalate("j-5", 8, "AUTH");              // another recipe
        actions.acknowledge("erin", "w:7:j-3", null);   // already acknowledged alone: not again

        assertThat(actions.acknowledgeGroup("olga", "w:7:j-1", "token renewed"))
                .containsExactlyInAnyOrder("w:7:j-1", "w:7:j-2");

        assertThat(open()).containsExactly("w:7:j-4", "w:8:j-5");
        assertThat(jdbc.queryForList("SELECT acked_by FROM escalation WHERE incident_id IN ('w:7:j-1', 'w:7:j-2', "
                + "'w:7:j-3') ORDER BY incident_id", String.class)).containsExactly("olga", "olga", "erin");
        assertThat(jdbc.queryForList("SELECT message_key FROM outbox WHERE topic = 'aof.operator-actions' "
                + "ORDER BY id", String.class)).containsExactly("w:7:j-3", "w:7:j-1", "w:7:j-2");
        assertThat(parts.escalations().queueRepeats()).as("only the open, unacknowledged ones are reminded")
                .isEqualTo(2);
    }

    /** Found in review: AOF's own troubles have no recipe and one category; one group ack silenced them all. */
    @Test
    void kindsThatAreNeverGroupedAreAcknowledgedAloneAndNeverSweptIntoAGroup() {
        for (String trouble : List.of("aof:breaker", "aof:dead-letters:1")) {
            NotificationRequested n = NotificationRequested.trouble("w", trouble, Kind.AOF_TROUBLE, trouble, "d");
            parts.intake().store(n, EventCodec.encode(n), List.of("slack:#admin"));
        }
        NotificationRequested stopped = NotificationStoreTest.alert("stop", Kind.RECIPE_STOPPED, Audience.SUPER_ADMIN);
        parts.intake().store(stopped, EventCodec.encode(stopped), List.of("slack:#admin"));   // w:7:stop, TIMEOUT
        escalate("j-1", 7, "TIMEOUT");
        escalate("j-2", 7, "TIMEOUT");

        assertThat(actions.acknowledgeGroup("olga", "aof:breaker", null)).containsExactly("aof:breaker");
        assertThat(actions.acknowledgeGroup("olga", "w:7:j-1", null)).containsExactlyInAnyOrder("w:7:j-1", "w:7:j-2");
        assertThat(open()).containsExactly("aof:dead-letters:1", "w:7:stop");
    }

    @Test
    void aGroupAcknowledgementOfAnAcknowledgedOrUnknownEscalationIsRefused() {
        escalate("j-1", 7, "AUTH");
        actions.acknowledge("erin", "w:7:j-1", null);

        assertThatThrownBy(() -> actions.acknowledgeGroup("olga", "w:7:j-1", null))
                .isInstanceOf(DomainException.class).hasMessageContaining("already acknowledged");
        assertThatThrownBy(() -> actions.acknowledgeGroup("olga", "w:7:nothing", null))
                .isInstanceOf(DomainException.class).hasMessageContaining("No escalation");
    }

    @Test
    void aBulkAcknowledgementByFilterTakesWhatItsDryRunCountedEachAudited() {
        escalate("j-1", 7, "AUTH");
        escalate("j-2", 8, "AUTH");
        escalate("j-3", 9, "CONFIGURATION");
        actions.acknowledge("erin", "w:8:j-2", null);   // already acknowledged: not matched
        EscalationStore.Filter auth = new EscalationStore.Filter(null, "AUTH", null, null, null);

        NotifierActions.BulkPreview preview = actions.previewBulkAcknowledge(auth);
        assertThat(preview.matched()).isEqualTo(1);
        assertThat(preview.sample()).containsExactly("w:7:j-1");
        escalate("j-4", 10, "AUTH");   // arrived since the dry run
        assertThatThrownBy(() -> actions.acknowledgeBulk("olga", auth, preview.matched(), "x"))
                .isInstanceOf(DomainException.class).hasMessageContaining("matches 2 open escalations now, not the 1");
        assertThat(open()).containsExactly("w:10:j-4", "w:7:j-1", "w:9:j-3");

        assertThat(actions.acknowledgeBulk("olga", auth, actions.previewBulkAcknowledge(auth).matched(),
                "SSO outage over")).containsExactly("w:7:j-1", "w:10:j-4");

        assertThat(open()).containsExactly("w:9:j-3");
        assertThat(jdbc.queryForList("SELECT message_key FROM outbox WHERE topic = 'aof.operator-actions' "
                + "ORDER BY id", String.class)).containsExactly("w:8:j-2", "w:7:j-1", "w:10:j-4");
        assertThatThrownBy(() -> actions.previewBulkAcknowledge(new EscalationStore.Filter(null, null, null, null,
                null))).isInstanceOf(DomainException.class).hasMessageContaining("at least one filter");
    }
}
