package io.aof.notifier;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

import java.time.Duration;
import java.util.List;

/**
 * {@code aof.notifier.*}.
 *
 * @param workatoAppUrl  base of the links into Workato's web app
 * @param dispatchInterval how often stored notifications are sent
 * @param maxBackoff     the longest wait between two tries of one notification
 * @param slack          Slack settings
 * @param email          e-mail settings (the SMTP server itself is {@code spring.mail.*})
 * @param report         where the periodic job report goes
 */
@ConfigurationProperties("aof.notifier")
public record NotifierProperties(
        @DefaultValue("https://app.workato.com") String workatoAppUrl,
        @DefaultValue("1s") Duration dispatchInterval,
        @DefaultValue("5m") Duration maxBackoff,
        @DefaultValue Slack slack,
        @DefaultValue Email email,
        @DefaultValue Report report) {

    /**
     * @param from    the sender address
     * @param opsTo   who gets the ops alerts by e-mail (none: no e-mail)
     * @param adminTo who gets the super-admin escalations by e-mail
     * @param reportTo who gets the periodic job report by e-mail
     */
    public record Email(@DefaultValue("aof@localhost") String from,
                        @DefaultValue({}) List<String> opsTo,
                        @DefaultValue({}) List<String> adminTo,
                        @DefaultValue({}) List<String> reportTo) {

        public Email {
            opsTo = clean(opsTo);
            adminTo = clean(adminTo);
            reportTo = clean(reportTo);
        }

        boolean anyRecipients() {
            return !opsTo.isEmpty() || !adminTo.isEmpty() || !reportTo.isEmpty();
        }

        private static List<String> clean(List<String> addresses) {
            return addresses == null ? List.of()
                    : addresses.stream().map(String::trim).filter(a -> !a.isEmpty()).toList();
        }
    }

    /** @param slackChannel the Slack channel of the job report (empty: the ops channel) */
    public record Report(@DefaultValue("") String slackChannel) {
    }

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
