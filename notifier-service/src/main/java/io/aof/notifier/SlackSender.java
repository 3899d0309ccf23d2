package io.aof.notifier;

import com.slack.api.Slack;
import com.slack.api.SlackConfig;
import com.slack.api.methods.MethodsClient;
import com.slack.api.methods.SlackApiException;
import com.slack.api.methods.SlackApiTextResponse;
import com.slack.api.methods.response.chat.ChatPostMessageResponse;
import com.slack.api.methods.response.chat.ChatUpdateResponse;
import com.slack.api.methods.response.auth.AuthTestResponse;
import io.aof.common.events.NotificationRequested;
import org.springframework.boot.health.contributor.Health;

import java.io.IOException;
import java.time.Duration;

/**
 * Slack through slack-api-client: {@code chat.postMessage} for an incident's
 * first message and, with {@code thread_ts}, for what follows it;
 * {@code chat.update} of that first message when the incident ends. The API URL
 * is configurable (the sink in a local run). Slack's HTTP 429 {@code Retry-After}
 * and its {@code ratelimited} answer are honoured.
 */
class SlackSender implements Channel {

    private final MethodsClient methods;
    private final String workatoAppUrl;

    SlackSender(NotifierProperties.Slack props, String workatoAppUrl) {
        this.workatoAppUrl = workatoAppUrl;
        SlackConfig config = new SlackConfig();
        String url = props.apiUrl().endsWith("/") ? props.apiUrl() : props.apiUrl() + "/";
        config.setMethodsEndpointUrlPrefix(url);
        config.setPrettyResponseLoggingEnabled(false);
        this.methods = Slack.getInstance(config).methods(props.botToken());
    }

    @Override
    public String kind() {
        return "slack";
    }

    /** Slack's {@code auth.test}: is the token good, and for which team and bot. */
    Health health() {
        try {
            AuthTestResponse r = methods.authTest(a -> a);
            return r.isOk() ? Health.up().withDetail("team", String.valueOf(r.getTeam()))
                    .withDetail("bot", String.valueOf(r.getUser())).build()
                    : Health.down().withDetail("error", String.valueOf(r.getError())).build();
        } catch (IOException | SlackApiException e) {
            return Health.down().withDetail("error", e.getClass().getSimpleName() + ": " + e.getMessage()).build();
        }
    }

    @Override
    public Delivery deliver(String channel, NotificationRequested n, Thread thread) {
        if (thread == null || !thread.started() || n.kind() == NotificationRequested.Kind.REPORT) {
            return post(channel, SlackMessage.of(n, workatoAppUrl), null);
        }
        if (n.kind().closesIncident()) {
            // the update first: if the reply then fails, the retry updates again (harmless) and replies once
            updateParent(channel, n, thread);
        }
        return post(channel, SlackMessage.reply(n), thread.parentRef());
    }

    @Override
    public Delivery updateParent(String channel, NotificationRequested n, Thread thread) {
        SlackMessage closed = SlackMessage.closedParent(thread.parent(), n, workatoAppUrl);
        String target = thread.channelRef() != null ? thread.channelRef() : channel;
        ChatUpdateResponse r = call(() -> methods.chatUpdate(u -> u.channel(target).ts(thread.parentRef())
                .text(closed.text()).blocks(closed.blocks())));
        return new Delivery(r.getTs(), r.getChannel());
    }

    @Override
    public Delivery deliverDigest(String channel, Digest digest) {
        return post(channel, SlackMessage.digest(digest, workatoAppUrl), null);
    }

    private Delivery post(String channel, SlackMessage message, String threadTs) {
        ChatPostMessageResponse r = call(() -> methods.chatPostMessage(p -> p.channel(channel).text(message.text())
                .blocks(message.blocks()).threadTs(threadTs).unfurlLinks(false).unfurlMedia(false)));
        return new Delivery(r.getTs(), r.getChannel());
    }

    private interface SlackCall<T extends SlackApiTextResponse> {
        T call() throws IOException, SlackApiException;
    }

    /** Runs one Web API call; throws {@link DeliveryException} with Slack's retry hint when it did not take. */
    private static <T extends SlackApiTextResponse> T call(SlackCall<T> c) {
        try {
            T response = c.call();
            if (!response.isOk()) {
                Duration retryAfter = "ratelimited".equals(response.getError()) ? Duration.ofSeconds(30) : null;
                throw new DeliveryException("Slack answered " + response.getError(), retryAfter);
            }
            return response;
        } catch (SlackApiException e) {
            Duration retryAfter = null;
            if (e.getResponse().code() == 429) {
                retryAfter = Duration.ofSeconds(parseSeconds(e.getResponse().header("Retry-After")));
            }
            throw new DeliveryException("Slack HTTP " + e.getResponse().code(), retryAfter);
        } catch (IOException e) {
            throw new DeliveryException("Slack unreachable: " + e.getMessage(), null);
        }
    }

    private static long parseSeconds(String header) {
        try {
            return header == null ? 30 : Math.max(1, Long.parseLong(header.trim()));
        } catch (NumberFormatException e) {
            return 30;
        }
    }
}
