package io.aof.notifier.delivery;

import io.aof.common.events.EventCodec;
import io.aof.common.events.NotificationRequested;
import io.aof.common.ops.Signature;
import io.aof.notifier.NotifierProperties;
import io.aof.notifier.grouping.Digest;
import io.aof.notifier.grouping.Storm;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Webhook destinations ({@code webhook:<name>}), POSTing JSON in one of three
 * shapes: {@code JSON} (the notification, signed with HMAC-SHA256 when a secret
 * is set), {@code TEAMS} (a message with an Adaptive Card, for a Teams incoming
 * webhook or workflow), {@code PAGERDUTY} (Events API v2: {@code trigger} with
 * {@code dedup_key} = incident id, {@code resolve} on recovery or resolution; an
 * outage likewise under its id: {@code trigger} at its start, {@code resolve} at
 * its end; its updates are never routed to a webhook).
 * A 429 or 5xx (or no answer) is retried later, honouring {@code Retry-After};
 * other answers are classified by {@link #classify}.
 */
class WebhookSender implements Channel {

    private final Map<String, NotifierProperties.Webhook> hooks;
    private final String workatoAppUrl;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    WebhookSender(Map<String, NotifierProperties.Webhook> hooks, String workatoAppUrl) {
        this.hooks = hooks;
        this.workatoAppUrl = workatoAppUrl;
    }

    @Override
    public String kind() {
        return "webhook";
    }

    @Override
    public Delivery deliver(UUID id, String name, NotificationRequested n, Thread thread) {
        NotifierProperties.Webhook hook = hook(name);
        String body = switch (hook.format()) {
            case JSON -> EventCodec.encode(n);
            case TEAMS -> teams(SlackMessage.of(n, workatoAppUrl).text(), n).toString();
            case PAGERDUTY -> pagerDuty(hook, n, workatoAppUrl).toString();
        };
        return post(name, hook, body);
    }

    @Override
    public Delivery deliverDigest(UUID id, String name, Digest digest) {
        NotifierProperties.Webhook hook = hook(name);
        String body = switch (hook.format()) {
            case JSON -> EventCodec.mapper().writeValueAsString(digest);
            case TEAMS -> teams(SlackMessage.digest(digest, workatoAppUrl).text(), null).toString();
            // PagerDuty alerts are never grouped by AOF: PagerDuty groups them itself by dedup_key
            case PAGERDUTY -> throw new IllegalStateException("no digests for PagerDuty");
        };
        return post(name, hook, body);
    }

    /** A signature storm's start, end or follow-up ({@code JSON}: the message with the storm's figures). */
    @Override
    public Delivery deliverStorm(UUID id, String name, Storm.Message message, Thread thread) {
        NotifierProperties.Webhook hook = hook(name);
        String body = switch (hook.format()) {
            case JSON -> EventCodec.mapper().writeValueAsString(message);
            case TEAMS -> teams(SlackMessage.stormText(message), null).toString();
            // PagerDuty alerts are never grouped by AOF, nor stormed: PagerDuty groups them itself by dedup_key
            case PAGERDUTY -> throw new IllegalStateException("no storms for PagerDuty");
        };
        return post(name, hook, body);
    }

    private NotifierProperties.Webhook hook(String name) {
        NotifierProperties.Webhook hook = hooks.get(name);
        if (hook == null) {
            throw DeliveryException.permanent("not_configured", "no webhook named " + name + " is configured");
        }
        return hook;
    }

    /** PagerDuty Events API v2. */
    static ObjectNode pagerDuty(NotifierProperties.Webhook hook, NotificationRequested n, String workatoAppUrl) {
        ObjectNode body = EventCodec.mapper().createObjectNode();
        body.put("routing_key", hook.routingKey());
        body.put("event_action", n.kind().resolvesIncident() ? "resolve" : "trigger");
        body.put("dedup_key", n.incidentId() != null ? n.incidentId() : n.dedupKey());
        if (!n.kind().resolvesIncident() && n.kind().isOutage()) {
            // an outage: its summary is its title; no recipe, job or attempt (dedup_key: the outage's id)
            ObjectNode payload = body.putObject("payload");
            payload.put("summary", n.title().length() > 1024 ? n.title().substring(0, 1024) : n.title());
            payload.put("source", "aof:" + n.workspace());
            payload.put("severity", severity(n));
            payload.put("component", "outage");
            if (n.category() != null) {
                payload.put("group", n.category());
            }
            payload.put("class", n.kind().name());
            ObjectNode details = payload.putObject("custom_details");
            details.put("outage_id", n.incidentId());
            if (n.error() != null) {
                details.put("detail", n.error());
            }
        } else if (!n.kind().resolvesIncident()) {
            ObjectNode payload = body.putObject("payload");
            String summary = n.title() + ": " + (n.recipeName() != null ? n.recipeName() : "recipe " + n.recipeId())
                    + " (job " + n.jobId() + ", " + n.category() + ")";
            payload.put("summary", summary.length() > 1024 ? summary.substring(0, 1024) : summary);
            payload.put("source", "aof:" + n.workspace());
            payload.put("severity", severity(n));
            payload.put("component", n.recipeName() != null ? n.recipeName() : String.valueOf(n.recipeId()));
            payload.put("group", n.category());
            payload.put("class", n.kind().name());
            ObjectNode details = payload.putObject("custom_details");
            details.put("incident_id", n.incidentId());
            details.put("job_id", n.jobId());
            details.put("attempt", n.attempt() == null ? "-" : n.attempt() + " of " + n.maxAttempts());
            details.put("error", n.error());
            if (n.recipeId() != null) {
                ArrayNode links = body.putArray("links");
                links.addObject().put("href", workatoLink(n, workatoAppUrl)).put("text", "Job in Workato");
            }
        }
        return body;
    }

    private static String severity(NotificationRequested n) {
        return switch (n.severity()) {
            case CRITICAL -> "critical";
            case WARNING -> "warning";
            case INFO -> "info";
        };
    }

    private static String workatoLink(NotificationRequested n, String workatoAppUrl) {
        return workatoAppUrl + "/recipes/" + n.recipeId() + (n.jobId() == null ? "" : "/job/" + n.jobId());
    }

    /** A Teams message with one Adaptive Card (the shape Teams incoming webhooks and workflows take). */
    static ObjectNode teams(String text, NotificationRequested n) {
        ObjectNode message = EventCodec.mapper().createObjectNode();
        message.put("type", "message");
        ObjectNode attachment = message.putArray("attachments").addObject();
        attachment.put("contentType", "application/vnd.microsoft.card.adaptive");
        ObjectNode card = attachment.putObject("content");
        card.put("$schema", "http://adaptivecards.io/schemas/adaptive-card.json");
        card.put("type", "AdaptiveCard");
        card.put("version", "1.4");
        ArrayNode body = card.putArray("body");
        body.addObject().put("type", "TextBlock").put("text", plain(text)).put("wrap", true).put("weight", "Bolder");
        if (n != null && n.kind().isOutage()) {
            ArrayNode facts = body.addObject().put("type", "FactSet").putArray("facts");
            facts.addObject().put("title", "Outage").put("value", String.valueOf(n.incidentId()));
            if (n.category() != null) {
                facts.addObject().put("title", "Category").put("value", n.category());
            }
            if (n.error() != null) {
                body.addObject().put("type", "TextBlock").put("text", n.error().length() > 1000
                        ? n.error().substring(0, 1000) + "..." : n.error()).put("wrap", true);
            }
        } else if (n != null) {
            ArrayNode facts = body.addObject().put("type", "FactSet").putArray("facts");
            facts.addObject().put("title", "Category").put("value", String.valueOf(n.category()));
            facts.addObject().put("title", "Attempt").put("value", n.attempt() == null ? "-"
                    : n.attempt() + " of " + n.maxAttempts());
            facts.addObject().put("title", "Incident").put("value", String.valueOf(n.incidentId()));
            if (n.error() != null) {
                body.addObject().put("type", "TextBlock").put("text", n.error().length() > 1000
                        ? n.error().substring(0, 1000) + "..." : n.error()).put("wrap", true)
                        .put("fontType", "Monospace");
            }
        }
        return message;
    }

    /** Slack's escaped text back to plain text for Teams (which renders its own markdown). */
    private static String plain(String slackText) {
        return slackText.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&");
    }

    private Delivery post(String name, NotifierProperties.Webhook hook, String body) {
        HttpRequest.Builder req = HttpRequest.newBuilder(URI.create(hook.url())).timeout(Duration.ofSeconds(10))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
        if (hook.format() == NotifierProperties.Webhook.Format.JSON && !hook.secret().isEmpty()) {
            String ts = String.valueOf(System.currentTimeMillis() / 1000);
            req.header("X-AOF-Timestamp", ts).header("X-AOF-Signature", Signature.of(hook.secret(), ts,
                    body.getBytes(StandardCharsets.UTF_8)));
        }
        try {
            HttpResponse<String> r = http.send(req.build(), HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() / 100 == 2) {
                return new Delivery(r.headers().firstValue("X-Request-Id").orElse("HTTP " + r.statusCode()), null);
            }
            throw classify(name, r.statusCode(), r.headers().firstValue("Retry-After").orElse(null));
        } catch (IOException e) {
            throw new DeliveryException("webhook " + name + " unreachable: " + e.getMessage(), null);
        } catch (InterruptedException e) {
            java.lang.Thread.currentThread().interrupt();
            throw new DeliveryException("interrupted", null);
        }
    }

    /** The reasons a webhook row is failed for good (metric tags). */
    static final List<String> PERMANENT_REASONS = List.of("http_400", "http_404", "http_410", "http_413",
            "http_422", "http_4xx", "http_3xx", "not_configured");

    /**
     * What a webhook's HTTP status means for the row: 429, 408, 425 and 5xx are tried again (429 after its
     * {@code Retry-After}); 401 and 403 refuse this webhook's credentials (the destination waits, the admin is
     * told); any other 4xx (400 a payload refused, 404/410 the endpoint gone) and 3xx (redirects are not
     * followed: the URL moved) fail that row for good, so the rows behind it still go.
     */
    static DeliveryException classify(String name, int status, String retryAfterHeader) {
        String message = "webhook " + name + " answered HTTP " + status;
        if (status == 429) {
            return new DeliveryException(message, retryAfterHeader == null ? Duration.ofSeconds(30)
                    : seconds(retryAfterHeader));
        }
        if (status == 408 || status == 425 || status >= 500 || status < 300) {
            return new DeliveryException(message, null);
        }
        if (status == 401 || status == 403) {
            return DeliveryException.credentials("http_" + status, message);
        }
        if (status < 400) {
            return DeliveryException.permanent("http_3xx", message);
        }
        String reason = "http_" + status;
        return DeliveryException.permanent(PERMANENT_REASONS.contains(reason) ? reason : "http_4xx", message);
    }

    /** Each webhook has its own URL and secret: one refusing them says nothing about the others. */
    @Override
    public boolean sharedCredentials() {
        return false;
    }

    private static Duration seconds(String header) {
        try {
            return Duration.ofSeconds(Math.max(1, Long.parseLong(header.trim())));
        } catch (NumberFormatException e) {
            return Duration.ofSeconds(30);
        }
    }
}
