package io.aof.notifier.intake;

import io.aof.common.events.NotificationRequested.Audience;
import io.aof.common.events.NotificationRequested.Kind;
import io.aof.common.events.NotificationRequested;
import io.aof.notifier.NotifierProperties;
import org.springframework.stereotype.Component;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Routing as data: the rules of {@code aof.notifier.routes} choose the
 * destinations of a notification by audience, kind, category, severity,
 * recipe, folder or recipe name; when none fits, the defaults by audience apply
 * (the ops or super-admin Slack channel, and the e-mail recipients set for
 * them). A destination is {@code slack:<channel>}, {@code email:<a>,<b>} or
 * {@code webhook:<name>}. Everything is checked when the service starts.
 */
@Component
public class Router {

    private final NotifierProperties props;
    private final List<Pattern> namePatterns = new ArrayList<>();

    public Router(NotifierProperties props) {
        this.props = props;
        for (int i = 0; i < props.routes().size(); i++) {
            NotifierProperties.Route r = props.routes().get(i);
            String key = "aof.notifier.routes[" + i + "]";
            if (r.to().isEmpty()) {
                throw new IllegalArgumentException(key + ".to names no destination");
            }
            r.to().forEach(d -> check(key + ".to", d));
            try {
                namePatterns.add(r.match().recipeName() == null ? null : Pattern.compile(r.match().recipeName()));
            } catch (PatternSyntaxException e) {
                throw new IllegalArgumentException(key + ".match.recipe-name is not a regular expression: "
                        + e.getMessage());
            }
        }
        props.storms().destinations().forEach(d -> check("aof.notifier.storms.destinations", d));
        if (!props.fallback().destination().isBlank()) {
            check("aof.notifier.fallback.destination", props.fallback().destination());
        }
        props.webhooks().forEach((name, w) -> {
            if (w.url() == null || !(w.url().startsWith("http://") || w.url().startsWith("https://"))) {
                throw new IllegalArgumentException("aof.notifier.webhooks." + name + ".url must be an http(s) URL");
            }
            if (w.format() == NotifierProperties.Webhook.Format.PAGERDUTY && w.routingKey().isBlank()) {
                throw new IllegalArgumentException("aof.notifier.webhooks." + name + ".routing-key is needed for "
                        + "PagerDuty");
            }
        });
    }

    private void check(String key, String destination) {
        Destination d;
        try {
            d = Destination.parse(destination);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(key + ": " + e.getMessage());
        }
        if (d.is(Destination.WEBHOOK) && !props.webhooks().containsKey(d.target())) {
            throw new IllegalArgumentException(key + ": no webhook named \"" + d.target()
                    + "\" in aof.notifier.webhooks");
        }
    }

    /** Whether any destination this configuration can choose is an e-mail one. */
    public boolean usesEmail() {
        return !props.email().opsTo().isEmpty() || !props.email().adminTo().isEmpty()
                || !props.email().reportTo().isEmpty()
                || Destination.kindOf(props.fallback().destination()).equals(Destination.EMAIL)
                || props.routes().stream().flatMap(r -> r.to().stream())
                .anyMatch(d -> Destination.kindOf(d).equals(Destination.EMAIL));
    }

    /** Where {@code n} goes, each destination once, in rule order. */
    public List<String> destinations(NotificationRequested n) {
        if (n.kind() == Kind.REPORT) {
            List<String> out = new ArrayList<>();
            out.add(Destination.slack(props.report().slackChannel().isBlank() ? props.slack().channel()
                    : props.report().slackChannel()).toString());
            if (!props.email().reportTo().isEmpty()) {
                out.add(Destination.email(props.email().reportTo()).toString());
            }
            return out;
        }
        Set<String> out = new LinkedHashSet<>();
        boolean matched = false;
        for (int i = 0; i < props.routes().size(); i++) {
            NotifierProperties.Route r = props.routes().get(i);
            if (!matches(r.match(), namePatterns.get(i), n)) {
                continue;
            }
            matched = true;
            if (passes(r, n.kind())) {
                out.addAll(r.to());
            }
            if (!r.continueMatching()) {
                break;
            }
        }
        if (!matched) {
            out.addAll(defaults(n.audience()));
        }
        if (n.kind() == Kind.OUTAGE_UPDATED) {
            // an outage's update only edits the first message of its Slack threads: nothing to e-mail or to POST
            out.removeIf(d -> !Destination.kindOf(d).equals(Destination.SLACK));
        }
        return List.copyOf(out);
    }

    private List<String> defaults(Audience audience) {
        List<String> out = new ArrayList<>();
        boolean admin = audience == Audience.SUPER_ADMIN;
        out.add(Destination.slack(admin ? props.slack().adminChannel() : props.slack().channel()).toString());
        List<String> mail = admin ? props.email().adminTo() : props.email().opsTo();
        if (!mail.isEmpty()) {
            out.add(Destination.email(mail).toString());
        }
        return out;
    }

    /**
     * Whether a matching route takes {@code kind}: a resolution (an outage's end too) when it is
     * {@code on-recovery}; an outage's start even when it is {@code final-only} (it stands for all its members'
     * alerts, which are not told one by one: a final-only route, PagerDuty say, gets the start and the end, not
     * the updates); anything else when it is not final-only or the kind is final.
     */
    private static boolean passes(NotifierProperties.Route r, Kind kind) {
        if (kind.resolvesIncident()) {
            return r.onRecovery();
        }
        if (kind == Kind.OUTAGE_STARTED) {
            return true;
        }
        return !r.finalOnly() || kind.isFinal();
    }

    /**
     * Every list that is set must contain the notification's value. A value the notification lacks (an outage
     * has no recipe, folder or recipe name, and may have no category) matches no list that is set: such a route
     * does not take it.
     */
    private static boolean matches(NotifierProperties.Match m, Pattern name, NotificationRequested n) {
        return in(m.audiences(), n.audience()) && in(m.kinds(), n.kind()) && in(m.categories(), n.category())
                && in(m.severities(), n.severity()) && in(m.recipeIds(), n.recipeId())
                && in(m.folderIds(), n.folderId())
                && (name == null || (n.recipeName() != null && name.matcher(n.recipeName()).matches()));
    }

    private static <T> boolean in(List<T> allowed, T value) {
        return allowed == null || allowed.isEmpty() || (value != null && allowed.contains(value));
    }
}
