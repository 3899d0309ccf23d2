package io.aof.notifier;

import com.slack.api.Slack;
import com.slack.api.SlackConfig;
import com.slack.api.methods.MethodsClient;
import com.slack.api.methods.SlackApiException;
import com.slack.api.methods.response.chat.ChatPostMessageResponse;
import io.aof.common.events.NotificationRequested;

import java.io.IOException;
import java.time.Duration;

/** Posts to Slack with slack-api-client's {@code chat.postMessage}; the API URL is configurable (the sink). */
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

    @Override
    public String deliver(String channel, NotificationRequested n) {
        return post(channel, SlackMessage.of(n, workatoAppUrl));
    }

    /** Returns the message ts; throws {@link DeliveryException} with a retry hint when Slack refused or failed. */
    String post(String channel, SlackMessage message) {
        try {
            ChatPostMessageResponse response = methods.chatPostMessage(r -> r.channel(channel).text(message.text())
                    .blocks(message.blocks()).unfurlLinks(false).unfurlMedia(false));
            if (!response.isOk()) {
                Duration retryAfter = "ratelimited".equals(response.getError()) ? Duration.ofSeconds(30) : null;
                throw new DeliveryException("Slack answered " + response.getError(), retryAfter);
            }
            return response.getTs();
        } catch (SlackApiException e) {
            Duration retryAfter = null;
            if (e.getResponse().code() == 429) {
                String header = e.getResponse().header("Retry-After");
                retryAfter = Duration.ofSeconds(parseSeconds(header));
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
