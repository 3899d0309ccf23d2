package io.aof.collation.webhook;

import io.aof.collation.CollationProperties;
import io.aof.collation.FakeWorkato;
import io.aof.collation.PlainCollation;
import io.aof.collation.triage.CollectedJobStore;
import io.aof.collation.triage.FailureCollector;
import io.aof.common.events.EventCodec;
import io.aof.common.events.JobFailed;
import io.aof.common.events.Topics;
import io.aof.common.messaging.AofProperties;
import io.aof.common.messaging.Outbox;
import io.aof.common.ops.Signature;
import jakarta.validation.Validation;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.mock.web.MockHttpServletRequest;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What the webhook intake decides on collation's clock (the injected one): a
 * signature's age against {@code max-signature-age}, both ways (a replay, a
 * timestamp from the future), and the completion time of a failure whose body
 * names none. The controller as a plain object on the module's PostgreSQL.
 */
class WebhookClockTest {

    static final String SECRET = "clock-test-secret";

    FakeWorkato workato;
    PlainCollation c;
    WebhookController controller;

    @BeforeEach
    void given() throws Exception {
        workato = new FakeWorkato();
        c = new PlainCollation(workato);
        Binder binder = PlainCollation.settings(Map.of("aof.collation.webhook.hmac-secret", SECRET,
                "aof.collation.webhook.max-signature-age", "5m"));
        CollationProperties props = binder.bindOrCreate("aof.collation", CollationProperties.class);
        controller = new WebhookController(new FailureCollector(new CollectedJobStore(c.jdbc), new Outbox(c.jdbc, "collation-service"),
                c.meters), c.tx, new WebhookPendingStore(c.jdbc), Validation.buildDefaultValidatorFactory()
                .getValidator(), props, binder.bindOrCreate("aof", AofProperties.class), c.meters, c.clock);
    }

    @AfterEach
    void stop() {
        workato.close();
    }

    int sendSigned(String jobId, Instant signedAt) throws Exception {
        byte[] body = ("{\"recipe_id\": 7, \"job_id\": \"" + jobId + "\", \"error\": \"500 boom\"}")
                .getBytes(StandardCharsets.UTF_8);
        String timestamp = String.valueOf(signedAt.getEpochSecond());
        MockHttpServletRequest r = new MockHttpServletRequest("POST", "/api/webhooks/job-failures");
        r.setContentType("application/json");
        r.addHeader(WebhookController.TIMESTAMP_HEADER, timestamp);
        r.addHeader(WebhookController.SIGNATURE_HEADER, Signature.of(SECRET, timestamp, body));
        r.setContent(body);
        return controller.receive(r).getStatusCode().value();
    }

    @Test
    void aSignatureIsAcceptedWithinMaxSignatureAgeOfTheClockEitherWayAndRefusedBeyond() throws Exception {
        Instant signedAt = PlainCollation.START;
        List<Integer> answers = new ArrayList<>();

        answers.add(sendSigned("j-1", signedAt));
        c.clock.advance(Duration.ofMinutes(5));
        answers.add(sendSigned("j-2", signedAt));   // exactly 5 minutes old
        c.clock.advance(Duration.ofSeconds(1));
        answers.add(sendSigned("j-3", signedAt));   // a replay
        answers.add(sendSigned("j-4", c.clock.instant().plus(Duration.ofMinutes(5))));
        answers.add(sendSigned("j-5", c.clock.instant().plus(Duration.ofMinutes(5)).plusSeconds(1)));   // future

        assertThat(answers).containsExactly(202, 202, 401, 202, 401);
        assertThat(c.jdbc.queryForList("SELECT job_id FROM webhook_pending ORDER BY job_id", String.class))
                .containsExactly("j-1", "j-2", "j-4");
    }

    @Test
    void aFailureWhoseBodyNamesNoCompletionTimeCompletedWhenItArrivedOnTheClock() throws Exception {
        c.clock.advance(Duration.ofMinutes(42));

        assertThat(sendSigned("j-1", c.clock.instant())).isEqualTo(202);

        JobFailed pending = EventCodec.decode(Topics.JOB_FAILURES, c.jdbc.queryForObject(
                "SELECT payload FROM webhook_pending WHERE job_id = 'j-1'", String.class));
        assertThat(pending.jobCompletedAt()).isEqualTo(PlainCollation.START.plus(Duration.ofMinutes(42)));
    }
}
