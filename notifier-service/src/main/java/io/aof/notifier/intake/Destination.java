package io.aof.notifier.intake;

import java.util.List;
import java.util.Set;

/**
 * Where a notification goes: {@code kind:target}, the form routes are written in and the {@code channel} column
 * stores. Parsed and written here only.
 *
 * @param kind   {@code slack}, {@code email} or {@code webhook} (the channel that sends it)
 * @param target a Slack channel, comma-separated e-mail addresses, or a configured webhook's name
 */
public record Destination(String kind, String target) {

    public static final String SLACK = "slack";
    static final String EMAIL = "email";
    public static final String WEBHOOK = "webhook";
    static final Set<String> KINDS = Set.of(SLACK, EMAIL, WEBHOOK);

    public Destination {
        if (!KINDS.contains(kind) || target == null || target.isBlank()) {
            throw new IllegalArgumentException("\"" + kind + ":" + target + "\" is not slack:<channel>, "
                    + "email:<addresses> or webhook:<name>");
        }
        target = target.trim();
    }

    /** {@code kind:target} as configured or stored; an IllegalArgumentException naming the form when it is not. */
    public static Destination parse(String text) {
        int colon = text == null ? -1 : text.indexOf(':');
        if (colon < 0) {
            throw new IllegalArgumentException("\"" + text + "\" is not slack:<channel>, email:<addresses> or "
                    + "webhook:<name>");
        }
        return new Destination(text.substring(0, colon), text.substring(colon + 1));
    }

    public static Destination slack(String channel) {
        return new Destination(SLACK, channel);
    }

    public static Destination email(List<String> addresses) {
        return new Destination(EMAIL, String.join(",", addresses));
    }

    /**
     * The kind of a stored or configured destination without validating it (a meter's tag, a pause's key): what is
     * before the colon, or {@code slack} for a bare channel.
     */
    public static String kindOf(String destination) {
        int colon = destination.indexOf(':');
        return colon < 0 ? SLACK : destination.substring(0, colon);
    }

    boolean is(String k) {
        return kind.equals(k);
    }

    @Override
    public String toString() {
        return kind + ":" + target;
    }
}
