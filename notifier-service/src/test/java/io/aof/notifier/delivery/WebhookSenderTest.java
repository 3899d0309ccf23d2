package io.aof.notifier.delivery;

import com.sun.net.httpserver.HttpServer;
import io.aof.common.events.AofEvent;
import io.aof.common.events.EventCodec;
import io.aof.common.events.NotificationRequested.Audience;
import io.aof.common.events.NotificationRequested.Kind;
import io.aof.common.events.NotificationRequested.Severity;
import io.aof.common.events.NotificationRequested;
import io.aof.notifier.NotifierProperties;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Webhook payloads as PagerDuty, Teams and a generic receiver get them, over real HTTP. */
class WebhookSenderTest {

    HttpServer server;
    final List<Map<String, String>> received = new CopyOnWriteArrayList<>();
    final AtomicInteger answer = new AtomicInteger(202);

    @BeforeEach
    void start() throws Exception {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", exchange -> {
            String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            received.add(Map.of("body", body, "signature",
                    String.valueOf(exchange.getRequestHeaders().getFirst("X-AOF-Signature")), "timestamp",
                    String.valueOf(exchange.getRequestHeaders().getFirst("X-AOF-Timestamp"))));
            int status = answer.get();
            if (status == 429) {
                exchange.getResponseHeaders().add("Retry-After", "7");
            }
            exchange.sendResponseHeaders(status, -1);
            exchange.close();
        });
        server.start();
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    WebhookSender sender(NotifierProperties.Webhook.Format format, String key, String secret) {
        String url = "http://127.0.0.1:" + server.getAddress().getPort() + "/hook";
        return new WebhookSender(Map.of("h", new NotifierProperties.Webhook(url, format, key, secret)),
                "https://app.workato.com");
    }

    static NotificationRequested n(Kind kind) {
        return new NotificationRequested(UUID.randomUUID(), Instant.now(), AofEvent.SCHEMA_VERSION, "acme", 42L,
                "j-AAA", "acme:42:j-AAA", 5, Audience.OPS, kind, Severity.CRITICAL, "k-" + kind,
                "Job still failing after all retries", "Orders", "UPSTREAM_5XX", 5, "500 from upstream", 7L, null,
                null);
    }

    @Test
    void pagerDutyTriggersThenResolvesTheSameDedupKey() {
        WebhookSender pd = sender(NotifierProperties.Webhook.Format.PAGERDUTY, "R0UT1NG", "");
        pd.deliver(UUID.randomUUID(), "h", n(Kind.EXHAUSTED), null);
        pd.deliver(UUID.randomUUID(), "h", n(Kind.RECOVERED), null);

        JsonNode trigger = EventCodec.readTree(received.get(0).get("body"));
        assertThat(trigger.get("routing_key").asString()).isEqualTo("R0UT1NG");
        assertThat(trigger.get("event_action").asString()).isEqualTo("trigger");
        assertThat(trigger.get("dedup_key").asString()).isEqualTo("acme:42:j-AAA");
        JsonNode payload = trigger.get("payload");
        assertThat(payload.get("summary").asString())
                .isEqualTo("Job still failing after all retries: Orders (job j-AAA, UPSTREAM_5XX)");
        assertThat(payload.get("severity").asString()).isEqualTo("critical");
        assertThat(payload.get("source").asString()).isEqualTo("aof:acme");
        assertThat(payload.get("custom_details").get("attempt").asString()).isEqualTo("5 of 5");
        assertThat(trigger.get("links").get(0).get("href").asString())
                .isEqualTo("https://app.workato.com/recipes/42/job/j-AAA");

        JsonNode resolve = EventCodec.readTree(received.get(1).get("body"));
        assertThat(resolve.get("event_action").asString()).isEqualTo("resolve");
        assertThat(resolve.get("dedup_key").asString()).isEqualTo("acme:42:j-AAA");
        assertThat(resolve.has("payload")).isFalse();
    }

    /** An outage: one trigger at its start and one resolve at its end, both under the outage's id. */
    @Test
    void pagerDutyTriggersAnOutageAtItsStartAndResolvesItAtItsEnd() {
        WebhookSender pd = sender(NotifierProperties.Webhook.Format.PAGERDUTY, "R0UT1NG", "");
        pd.deliver(UUID.randomUUID(), "h", SlackMessageTest.outage(Kind.OUTAGE_STARTED,
                "netsuite unreachable: 37 jobs, 9 recipes", "probing every 5 min", "TIMEOUT"), null);
        pd.deliver(UUID.randomUUID(), "h", SlackMessageTest.outage(Kind.OUTAGE_ENDED, "netsuite reachable again",
                null, null), null);

        JsonNode trigger = EventCodec.readTree(received.get(0).get("body"));
        assertThat(trigger.get("event_action").asString()).isEqualTo("trigger");
        assertThat(trigger.get("dedup_key").asString()).isEqualTo("outage-42");
        JsonNode payload = trigger.get("payload");
        assertThat(payload.get("summary").asString()).isEqualTo("netsuite unreachable: 37 jobs, 9 recipes");
        assertThat(payload.get("group").asString()).isEqualTo("TIMEOUT");
        assertThat(payload.get("class").asString()).isEqualTo("OUTAGE_STARTED");
        assertThat(payload.get("custom_details").get("detail").asString()).isEqualTo("probing every 5 min");
        assertThat(trigger.has("links")).isFalse();
        assertThat(received.get(0).get("body")).doesNotContain("null", "job_id", "attempt");
        JsonNode resolve = EventCodec.readTree(received.get(1).get("body"));
        assertThat(resolve.get("event_action").asString()).isEqualTo("resolve");
        assertThat(resolve.get("dedup_key").asString()).isEqualTo("outage-42");
    }

    @Test
    void teamsGetsAnAdaptiveCard() {
        sender(NotifierProperties.Webhook.Format.TEAMS, "", "").deliver(UUID.randomUUID(), "h", n(Kind.EXHAUSTED), null);
        JsonNode message = EventCodec.readTree(received.get(0).get("body"));
        assertThat(message.get("type").asString()).isEqualTo("message");
        JsonNode attachment = message.get("attachments").get(0);
        assertThat(attachment.get("contentType").asString()).isEqualTo("application/vnd.microsoft.card.adaptive");
        JsonNode card = attachment.get("content");
        assertThat(card.get("type").asString()).isEqualTo("AdaptiveCard");
        assertThat(card.get("body").get(0).get("text").asString())
                .startsWith(":rotating_light: Job still failing after all retries: Orders");
        assertThat(card.get("body").get(1).get("facts").get(2).get("value").asString()).isEqualTo("acme:42:j-AAA");
    }

    @Test
    void genericJsonIsSignedWithTheSecret() throws Exception {
        sender(NotifierProperties.Webhook.Format.JSON, "", "s3cret").deliver(UUID.randomUUID(), "h", n(Kind.EXHAUSTED), null);
        Map<String, String> r = received.get(0);
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec("s3cret".getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
        String expected = "sha256=" + HexFormat.of().formatHex(mac.doFinal((r.get("timestamp") + "." + r.get("body"))
                .getBytes(StandardCharsets.UTF_8)));
        assertThat(r.get("signature")).isEqualTo(expected);
        assertThat(EventCodec.readTree(r.get("body")).get("incidentId").asString()).isEqualTo("acme:42:j-AAA");
    }

    @Test
    void throttledOrFailingReceiversAreTriedAgainLater() {
        WebhookSender json = sender(NotifierProperties.Webhook.Format.JSON, "", "");
        answer.set(429);
        assertThatThrownBy(() -> json.deliver(UUID.randomUUID(), "h", n(Kind.EXHAUSTED), null)).isInstanceOfSatisfying(
                DeliveryException.class, e -> assertThat(e.retryAfter).isEqualTo(Duration.ofSeconds(7)));
        answer.set(503);
        assertThatThrownBy(() -> json.deliver(UUID.randomUUID(), "h", n(Kind.EXHAUSTED), null)).isInstanceOfSatisfying(
                DeliveryException.class, e -> assertThat(e.retryAfter).isNull())
                .hasMessage("webhook h answered HTTP 503");
    }

    @Test
    void aGoneOrRefusingEndpointFailsThatRowForGoodRefusedCredentialsHoldIt() {
        WebhookSender json = sender(NotifierProperties.Webhook.Format.JSON, "", "");
        Map<Integer, String> permanent = Map.of(400, "http_400", 404, "http_404", 410, "http_410", 413, "http_413",
                422, "http_422", 418, "http_4xx", 301, "http_3xx");
        permanent.forEach((status, reason) -> {
            answer.set(status);
            assertThatThrownBy(() -> json.deliver(UUID.randomUUID(), "h", n(Kind.EXHAUSTED), null)).as("HTTP " + status)
                    .isInstanceOfSatisfying(DeliveryException.class, e -> {
                        assertThat(e.fault).isEqualTo(DeliveryException.Fault.PERMANENT);
                        assertThat(e.reason).isEqualTo(reason);
                    });
        });
        for (int status : new int[] {401, 403}) {
            answer.set(status);
            assertThatThrownBy(() -> json.deliver(UUID.randomUUID(), "h", n(Kind.EXHAUSTED), null)).isInstanceOfSatisfying(
                    DeliveryException.class, e -> assertThat(e.fault).isEqualTo(DeliveryException.Fault.CREDENTIALS));
        }
        for (int status : new int[] {408, 425, 429, 500, 502, 503}) {
            answer.set(status);
            assertThatThrownBy(() -> json.deliver(UUID.randomUUID(), "h", n(Kind.EXHAUSTED), null)).isInstanceOfSatisfying(
                    DeliveryException.class, e -> assertThat(e.fault).isEqualTo(DeliveryException.Fault.TRANSIENT));
        }
        assertThat(json.sharedCredentials()).isFalse();   // one webhook's refusal says nothing of the others
        assertThatThrownBy(() -> json.deliver(UUID.randomUUID(), "gone", n(Kind.EXHAUSTED), null)).isInstanceOfSatisfying(
                DeliveryException.class, e -> assertThat(e.reason).isEqualTo("not_configured"));
    }
}
