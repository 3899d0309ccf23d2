package io.aof.notifier;

import io.aof.common.events.NotificationRequested;

/**
 * One way of telling people: Slack, e-mail. A stored notification names its
 * destination as {@code kind:target} ({@code slack:#aof-ops},
 * {@code email:ops@example.com,lead@example.com}).
 */
interface Channel {

    /** The prefix of the destinations this channel delivers to. */
    String kind();

    /**
     * Delivers {@code n} to {@code target}; returns the channel's receipt (Slack's message ts, the e-mail's
     * Message-ID) or throws {@link DeliveryException} when it should be tried again later.
     */
    String deliver(String target, NotificationRequested n);
}
