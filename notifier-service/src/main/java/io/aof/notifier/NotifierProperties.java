package io.aof.notifier;

import io.aof.common.events.NotificationRequested.Audience;
import io.aof.common.events.NotificationRequested.Kind;
import io.aof.common.events.NotificationRequested.Severity;
import io.aof.notifier.intake.Destination;
import io.aof.notifier.intake.Router;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * {@code aof.notifier.*}. Checked at start ({@link Router}): a destination that
 * names an unknown channel or webhook stops the service and is named.
 *
 * @param workatoAppUrl    base of the links into Workato's web app
 * @param publicUrl        base of links into this service (a digest's full list of incidents)
 * @param dispatchInterval how often stored notifications are sent
 * @param maxBackoff       the longest wait between two tries of one notification
 * @param slack            Slack settings
 * @param email            e-mail settings (the SMTP server itself is {@code spring.mail.*})
 * @param report           where the periodic job report goes
 * @param grouping         storm control, Alertmanager's way
 * @param storms           signature storms: one error across many recipes is one thread
 * @param escalation       how the super admin is reminded
 * @param fallback         where a notification goes when its channel stays down or refuses it for good
 * @param refusals         how the admin is told of destinations that refuse notifications for good
 * @param routes           routing rules, tried in order; none matching: the defaults by audience
 * @param webhooks         named webhook destinations ({@code webhook:<name>})
 */
@Validated
@ConfigurationProperties("aof.notifier")
public record NotifierProperties(
        @DefaultValue("https://app.workato.com") String workatoAppUrl,
        @DefaultValue("http://localhost:8084") String publicUrl,
        @DefaultValue("1s") Duration dispatchInterval,
        @DefaultValue("5m") Duration maxBackoff,
        @DefaultValue Slack slack,
        @DefaultValue Email email,
        @DefaultValue Report report,
        @DefaultValue Grouping grouping,
        @DefaultValue Storms storms,
        @DefaultValue Escalation escalation,
        @DefaultValue Fallback fallback,
        @DefaultValue Refusals refusals,
        List<Route> routes,
        Map<String, Webhook> webhooks) {

    public NotifierProperties {
        fallback = fallback.resolve(slack, email);
        storms = storms.resolve(grouping);
        routes = routes == null ? List.of() : List.copyOf(routes);
        webhooks = webhooks == null ? Map.of() : Map.copyOf(webhooks);
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

        public Slack {
            // every alert's default destinations name them: a blank one would fail each alert when it is sent
            if (channel == null || channel.isBlank() || adminChannel == null || adminChannel.isBlank()) {
                throw new IllegalArgumentException("aof.notifier.slack.channel and admin-channel must name Slack "
                        + "channels (e.g. #aof-ops, #aof-admin); one is blank");
            }
        }

        @Override
        public String toString() {
            return "Slack[apiUrl=" + apiUrl + ", botToken=" + (botToken.isEmpty() ? "<unset>" : "******")
                    + ", channel=" + channel + ", adminChannel=" + adminChannel + "]";
        }
    }

    /**
     * @param from     the sender address
     * @param opsTo    who gets the ops alerts by e-mail (none: no e-mail)
     * @param adminTo  who gets the super-admin escalations by e-mail
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

        private static List<String> clean(List<String> addresses) {
            return addresses == null ? List.of()
                    : addresses.stream().map(String::trim).filter(a -> !a.isEmpty()).toList();
        }
    }

    /** @param slackChannel the Slack channel of the job report (empty: the ops channel) */
    public record Report(@DefaultValue("") String slackChannel) {
    }

    /**
     * Alerts of one recipe and category to one destination form a group. The first alert of a quiet group
     * goes at once (after {@code groupWait}, if set) and opens a thread for its incident; alerts of other
     * incidents in the next {@code groupInterval} go out together as one digest at its end. Every
     * {@code repeatInterval} a group with incidents still open gets a reminder digest.
     */
    public record Grouping(@DefaultValue("true") boolean enabled,
                           @DefaultValue("0s") Duration groupWait,
                           @DefaultValue("5m") Duration groupInterval,
                           @DefaultValue("4h") Duration repeatInterval) {
    }

    /**
     * Failures sharing an error signature ({@code ErrorSignature}: the error text normalised, and the category)
     * from at least {@code minRecipes} recipes within {@code window} are a signature storm in their destination:
     * told in one thread, its first message edited in place as the storm grows (at most every
     * {@code updateInterval}), one closing reply once it has been quiet for {@code window}. Part of storm control:
     * off when {@code grouping} is.
     *
     * @param enabled        whether signature storms are recognised at all
     * @param minRecipes     how many distinct recipes make a storm (at least 2: one recipe's alerts are its group's)
     * @param window         how recent the recipes' failures must be, and how long a storm stays quiet before it
     *                       ends; unset: {@code grouping.group-interval}. After binding it holds the window in force.
     * @param updateInterval the shortest time between two edits of a storm's first message
     * @param destinations   the only destinations where storms are recognised ({@code kind:target}); empty: every
     *                       destination (a channel where each incident must keep its own thread is left out)
     */
    public record Storms(@DefaultValue("true") boolean enabled,
                         @DefaultValue("3") int minRecipes,
                         Duration window,
                         @DefaultValue("5s") Duration updateInterval,
                         List<String> destinations) {

        public Storms {
            destinations = destinations == null ? List.of()
                    : destinations.stream().map(String::trim).filter(d -> !d.isEmpty()).toList();
            if (minRecipes < 2) {
                throw new IllegalArgumentException("aof.notifier.storms.min-recipes must be at least 2 (alerts of one "
                        + "recipe are its group's digests); it is " + minRecipes);
            }
            if (window != null && (window.isNegative() || window.isZero())) {
                throw new IllegalArgumentException("aof.notifier.storms.window must be positive (unset: the group "
                        + "interval); it is " + window);
            }
            if (updateInterval == null || updateInterval.compareTo(Duration.ofSeconds(1)) < 0) {
                throw new IllegalArgumentException("aof.notifier.storms.update-interval must be at least 1s (Slack "
                        + "allows about one edit a second per channel); it is " + updateInterval);
            }
        }

        Storms resolve(Grouping grouping) {
            Duration interval = grouping.groupInterval();
            boolean positive = !interval.isNegative() && !interval.isZero();
            Duration w = window != null ? window : positive ? interval : Duration.ofMinutes(5);
            return new Storms(enabled && grouping.enabled(), minRecipes, w, updateInterval, destinations);
        }

        /** Whether storms are recognised in {@code destination}. */
        public boolean in(String destination) {
            return enabled && (destinations.isEmpty() || destinations.contains(destination));
        }
    }

    /**
     * Super-admin escalations (exhausted, not retryable, recipe stopped, AOF's own trouble) are repeated every
     * {@code repeatInterval} until acknowledged ({@code POST /api/escalations/{incident}/ack}) or resolved.
     */
    public record Escalation(@DefaultValue("1h") Duration repeatInterval, @DefaultValue("24") int maxRepeats) {
    }

    /**
     * @param destination where a notification also goes when its own destination has not taken it for
     *                    {@code after}, or has refused it for good. Unset: the super admin's e-mail when
     *                    {@code email.admin-to} is set (another channel than Slack), else the super-admin Slack
     *                    channel; {@code none}: no fallback. After binding it holds the destination in force
     *                    (empty: none). A notification is retried until delivered either way.
     */
    public record Fallback(@DefaultValue("") String destination, @DefaultValue("10m") Duration after) {

        static final String NONE = "none";

        Fallback resolve(Slack slack, Email email) {
            String d = destination == null ? "" : destination.trim();
            if (d.equalsIgnoreCase(NONE)) {
                d = "";
            } else if (d.isEmpty()) {
                d = (!email.adminTo().isEmpty() ? Destination.email(email.adminTo())
                        : Destination.slack(slack.adminChannel())).toString();
            }
            return new Fallback(d, after);
        }
    }

    /**
     * A destination that refuses a notification for good (Slack {@code channel_not_found}, a webhook's 410, an
     * SMTP 550), or a channel whose credentials are refused, is told to the super admin through another
     * destination, once per destination and reason per {@code alertInterval}, so a burst is one alert.
     */
    public record Refusals(@DefaultValue("1h") Duration alertInterval) {
    }

    /**
     * A routing rule: when {@code match} fits, the notification goes to {@code to}; rules are tried in order
     * and the first that fits decides, unless it says {@code continue-matching}.
     *
     * @param finalOnly  only the last word of an incident (exhausted, not retryable, recipe stopped)
     * @param onRecovery also recoveries and resolutions by hand
     */
    public record Route(String name, @DefaultValue Match match, List<String> to,
                        @DefaultValue("false") boolean finalOnly, @DefaultValue("true") boolean onRecovery,
                        @DefaultValue("false") boolean continueMatching) {

        public Route {
            to = to == null ? List.of() : List.copyOf(to);
        }
    }

    /** Every list that is set must contain the notification's value; {@code recipeName} is a regex. */
    public record Match(List<Audience> audiences, List<Kind> kinds, List<String> categories,
                        List<Severity> severities, List<Long> recipeIds, List<Long> folderIds, String recipeName) {
    }

    /**
     * @param url        where to POST
     * @param format     {@code JSON} (the notification as is), {@code TEAMS} (an Adaptive Card message),
     *                   {@code PAGERDUTY} (Events API v2, dedup_key = incident id, trigger/resolve)
     * @param routingKey PagerDuty's integration key; a secret
     * @param secret     for {@code JSON}: signs the body ({@code X-AOF-Signature: sha256=HMAC(timestamp.body)})
     */
    public record Webhook(String url, @DefaultValue("JSON") Format format, @DefaultValue("") String routingKey,
                          @DefaultValue("") String secret) {

        public enum Format { JSON, TEAMS, PAGERDUTY }

        @Override
        public String toString() {
            return "Webhook[url=" + url + ", format=" + format + ", routingKey=" + (routingKey.isEmpty() ? "<unset>"
                    : "******") + ", secret=" + (secret.isEmpty() ? "<unset>" : "******") + "]";
        }
    }
}
