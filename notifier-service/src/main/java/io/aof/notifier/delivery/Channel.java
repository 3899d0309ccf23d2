package io.aof.notifier.delivery;

import io.aof.common.events.NotificationRequested;
import io.aof.common.text.ExternalText;
import io.aof.notifier.grouping.Digest;
import io.aof.notifier.grouping.SignatureStorms;
import io.aof.notifier.grouping.Storm;

import java.time.Instant;
import java.util.UUID;

/**
 * One way of telling people: Slack, e-mail, a webhook. A stored notification
 * names its destination as {@code kind:target} ({@code slack:#aof-ops},
 * {@code email:ops@example.com,lead@example.com}, {@code webhook:pagerduty}).
 */
public interface Channel {

    /** The prefix of the destinations this channel delivers to. */
    String kind();

    /**
     * Delivers {@code n} (notification {@code id}, which the channel may record with the message) to
     * {@code target}: as the first message of its incident when {@code thread} has no
     * parent yet, else as a follow-up in the thread (and, when {@code n} closes the incident, with the parent
     * updated). Throws {@link DeliveryException} when it should be tried again later.
     */
    Delivery deliver(UUID id, String target, NotificationRequested n, Thread thread);

    /**
     * Whether one set of credentials serves every destination of this channel (Slack's bot token, the SMTP
     * login): when they are refused, no destination of the channel is tried until the pause is over.
     */
    default boolean sharedCredentials() {
        return true;
    }

    /** Only updates the thread's parent to show how the incident ended (where it was not routed this time). */
    default Delivery updateParent(String target, NotificationRequested n, Thread thread) {
        return new Delivery(thread.parentRef(), thread.channelRef());
    }

    /** Delivers a group's digest. */
    Delivery deliverDigest(UUID id, String target, Digest digest);

    /**
     * Delivers a message of a signature storm ({@link SignatureStorms}) in its thread ({@code thread}: the storm's
     * first message once out, null for a fallback copy, which stands alone): its first message, an edit of it to
     * the latest figures, its end, or a follow-up.
     */
    Delivery deliverStorm(UUID id, String target, Storm.Message message, Thread thread);

    /**
     * Whether an earlier try of notification {@code id} reached {@code target} although its answer was lost (the
     * process or its database died after the call, or the answer timed out): asked of the channel itself, so the
     * row is not sent twice. {@code thread} is the incident's thread when the row has one, {@code channelRef} the
     * destination's id at the channel where one is known. {@link Lookup#UNKNOWN} where the channel cannot tell (the row is then sent again:
     * at least once). Throws {@link DeliveryException} when the channel cannot be asked right now.
     */
    default Lookup lookUp(UUID id, String target, Thread thread, String channelRef, Instant triedAt) {
        return Lookup.UNKNOWN;
    }

    /** What {@link #lookUp} found: {@code known} false when the channel cannot tell; {@code found} null if absent. */
    record Lookup(boolean known, Delivery found) {

        static final Lookup UNKNOWN = new Lookup(false, null);
        static final Lookup ABSENT = new Lookup(true, null);
    }

    /**
     * What the channel answered: its reference of the message (Slack's ts, the e-mail's Message-ID) and, for
     * Slack, the channel id a later {@code chat.update} needs.
     */
    record Delivery(String ref, String channelRef) {

        /** What the channel answered is outside text (stored, published, sent back in later calls): cleaned here. */
        public Delivery {
            ref = ExternalText.field(ref);
            channelRef = ExternalText.field(channelRef);
        }
    }

    /** An incident's thread in one destination: its first message, once delivered. */
    record Thread(String parentRef, String channelRef, NotificationRequested parent) {

        boolean started() {
            return parentRef != null;
        }
    }
}
