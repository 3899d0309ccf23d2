package io.aof.notifier;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

import java.time.Duration;

/**
 * {@code aof.notifier.*}.
 *
 * @param workatoAppUrl  base of the links into Workato's web app
 * @param dispatchInterval how often stored notifications are sent
 * @param maxBackoff     the longest wait between two tries of one notification
 * @param slack          Slack settings
 */
@ConfigurationProperties("aof.notifier")
public record NotifierProperties(
        @DefaultValue("https://app.workato.com") String workatoAppUrl,
        @DefaultValue("1s") Duration dispatchInterval,
        @DefaultValue("5m") Duration maxBackoff,
        @DefaultValue Slack slack) {

    /**
     * @param apiUrl       Slack Web API base, ending in {@code /api/} (the sink in a local run)
     * @param botToken     the bot token ({@code xoxb-...}); a secret
     * @param channel      the ops channel
     * @param adminChannel the super-admin (escalation) channel
     */
    public record Slack(@DefaultValue("https://slack.com/api/") String apiUrl,
                        @DefaultValue("") String botToken,
                        @DefaultValue("#aof-ops") String channel,
                        @DefaultValue("#aof-admin") String adminChannel) {

        @Override
        public String toString() {
            return "Slack[apiUrl=" + apiUrl + ", botToken=" + (botToken.isEmpty() ? "<unset>" : "******")
                    + ", channel=" + channel + ", adminChannel=" + adminChannel + "]";
        }
    }
}
