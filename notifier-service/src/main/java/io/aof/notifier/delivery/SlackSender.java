package io.aof.notifier.delivery;

import com.slack.api.Slack;
import com.slack.api.SlackConfig;
import com.slack.api.methods.MethodsClient;
import com.slack.api.methods.SlackApiException;
import com.slack.api.methods.SlackApiTextResponse;
import com.slack.api.methods.response.auth.AuthTestResponse;
import com.slack.api.methods.response.chat.ChatPostMessageResponse;
import com.slack.api.methods.response.chat.ChatUpdateResponse;
import com.slack.api.methods.response.conversations.ConversationsHistoryResponse;
import com.slack.api.methods.response.conversations.ConversationsRepliesResponse;
import com.slack.api.model.Message;
import io.aof.common.events.NotificationRequested;
import io.aof.notifier.NotifierProperties;
import io.aof.notifier.escalation.Escalations;
import io.aof.notifier.grouping.Digest;
import io.aof.notifier.grouping.Storm;
import io.aof.notifier.grouping.ThreadStore;
import org.springframework.boot.health.contributor.Health;

import io.aof.common.text.ExternalText;

import java.io.IOException;
import java.net.ConnectException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * Slack through slack-api-client: {@code chat.postMessage} for an incident's
 * first message and, with {@code thread_ts}, for what follows it;
 * {@code chat.update} of that first message when the incident ends, and when an
 * outage's figures change (an outage's updates post nothing). The API URL
 * is configurable (the sink in a local run). Slack's HTTP 429 {@code Retry-After}
 * and its {@code ratelimited} answer are honoured; its answers are classified
 * ({@link #classify}): a channel gone or a message refused fails that row for
 * good, a refused token stops the channel, anything else is tried again.
 */
public class SlackSender implements Channel {

    private final MethodsClient methods;
    private final String workatoAppUrl;

    public SlackSender(NotifierProperties.Slack props, String workatoAppUrl) {
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
    public Health health() {
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
    public Delivery deliver(UUID id, String channel, NotificationRequested n, Thread thread) {
        if (n.kind().isOutage() && !Escalations.isRepeat(n)) {
            Delivery outage = outage(id, channel, n, thread);
            if (outage != null) {
                return outage;
            }
        }
        if (thread == null || !thread.started() || n.kind() == NotificationRequested.Kind.REPORT) {
            return post(id, channel, SlackMessage.of(n, workatoAppUrl), null);
        }
        if (n.kind().closesIncident()) {
            // the update first: if the reply then fails, the retry updates again (harmless) and replies once
            try {
                updateParent(channel, n, thread);
            } catch (DeliveryException e) {
                if (!e.permanent()) {
                    throw e;
                }
                // the first message can no longer be updated (deleted by someone): the reply still says it
            }
        }
        return post(id, channel, SlackMessage.reply(n), thread.parentRef());
    }

    /**
     * An outage has one first message in its thread, which always shows its latest figures: {@code thread.parent()}
     * is the latest start or update of the outage stored for this destination ({@link ThreadStore#thread}), which
     * may be newer than {@code n}. Its start or an update posts that message when the thread has none yet (an
     * update whose start never reached this destination, or was refused, becomes the first message), else only
     * edits it ({@code chat.update}): never a second first message. Its end with no first message here is one
     * message saying both what the outage was and that it ended. Null: the usual way (the end's reply in a
     * started thread, with the first message updated first).
     */
    private Delivery outage(UUID id, String channel, NotificationRequested n, Thread thread) {
        boolean started = thread != null && thread.started();
        NotificationRequested figures = thread != null && thread.parent() != null
                && thread.parent().kind() != NotificationRequested.Kind.OUTAGE_ENDED ? thread.parent() : null;
        if (n.kind() != NotificationRequested.Kind.OUTAGE_ENDED) {
            return started ? updateParent(channel, n, thread)
                    : post(id, channel, SlackMessage.of(figures != null ? figures : n, workatoAppUrl), null);
        }
        if (!started) {
            return post(id, channel, figures != null ? SlackMessage.closedParent(figures, n, workatoAppUrl)
                    : SlackMessage.of(n, workatoAppUrl), null);
        }
        return null;
    }

    /**
     * The thread's first message updated: to say how the incident ended; for an outage's update, to show the
     * outage's latest figures ({@code thread.parent()}, else the update's own).
     */
    @Override
    public Delivery updateParent(String channel, NotificationRequested n, Thread thread) {
        SlackMessage updated;
        if (n.kind().isOutage() && !n.kind().closesIncident()) {
            updated = SlackMessage.of(thread.parent() != null && thread.parent().kind().isOutage()
                    && !thread.parent().kind().closesIncident() ? thread.parent() : n, workatoAppUrl);
        } else {
            updated = SlackMessage.closedParent(thread.parent(), n, workatoAppUrl);
        }
        String target = thread.channelRef() != null ? thread.channelRef() : channel;
        ChatUpdateResponse r = call(() -> methods.chatUpdate(u -> u.channel(target).ts(thread.parentRef())
                .text(updated.text()).blocks(updated.blocks())));
        return new Delivery(r.getTs(), r.getChannel());
    }

    @Override
    public Delivery deliverDigest(UUID id, String channel, Digest digest) {
        return post(id, channel, SlackMessage.digest(digest, workatoAppUrl), null);
    }

    /**
     * A signature storm's message. Its start or an edit posts the thread's first message when it has none yet
     * (an edit whose start was refused becomes the first message), else edits it ({@code chat.update}): never a
     * second first message. Its end edits the first message to the final figures, then replies once (with no
     * first message: one message saying both). A follow-up is a reply in the thread.
     */
    @Override
    public Delivery deliverStorm(UUID id, String channel, Storm.Message message, Thread thread) {
        boolean started = thread != null && thread.started();
        Storm storm = message.storm();
        return switch (message.kind()) {
            case STORM_STARTED, STORM_UPDATED -> started ? edit(channel, thread, SlackMessage.storm(storm))
                    : post(id, channel, SlackMessage.storm(storm), null);
            case STORM_ENDED -> {
                if (!started) {
                    yield post(id, channel, SlackMessage.storm(storm), null);
                }
                try {
                    edit(channel, thread, SlackMessage.storm(storm));
                } catch (DeliveryException e) {
                    if (!e.permanent()) {
                        throw e;
                    }
                    // the first message can no longer be edited (deleted by someone): the reply still says it
                }
                yield post(id, channel, SlackMessage.stormEnded(storm), thread.parentRef());
            }
            case STORM_FOLLOWUP -> post(id, channel, SlackMessage.stormFollowUp(storm, message.followUp()),
                    started ? thread.parentRef() : null);
        };
    }

    private Delivery edit(String channel, Thread thread, SlackMessage updated) {
        String target = thread.channelRef() != null ? thread.channelRef() : channel;
        ChatUpdateResponse r = call(() -> methods.chatUpdate(u -> u.channel(target).ts(thread.parentRef())
                .text(updated.text()).blocks(updated.blocks())));
        return new Delivery(r.getTs(), r.getChannel());
    }

    /** Every message carries its notification's id in Slack's message metadata, for {@link #lookUp}. */
    private Delivery post(UUID id, String channel, SlackMessage message, String threadTs) {
        Message.Metadata metadata = Message.Metadata.builder().eventType(METADATA_TYPE)
                .eventPayload(Map.of(METADATA_ID, id.toString())).build();
        ChatPostMessageResponse r = call(() -> methods.chatPostMessage(p -> p.channel(channel).text(message.text())
                .blocks(message.blocks()).threadTs(threadTs).unfurlLinks(false).unfurlMedia(false)
                .metadata(metadata)));
        return new Delivery(r.getTs(), r.getChannel());
    }

    /** One page of {@code conversations.history} or {@code conversations.replies}, and the cursor of the next. */
    private record Page(List<Message> messages, String next) {
    }

    private static Page page(ConversationsHistoryResponse r) {
        return new Page(r.getMessages(), r.getResponseMetadata() == null ? null : r.getResponseMetadata().getNextCursor());
    }

    private static Page page(ConversationsRepliesResponse r) {
        return new Page(r.getMessages(), r.getResponseMetadata() == null ? null : r.getResponseMetadata().getNextCursor());
    }

    static final String METADATA_TYPE = "aof_notification";
    static final String METADATA_ID = "notification_id";
    private static final int LOOKUP_PAGES = 10;

    /**
     * Looks for the message by its metadata: a reply among its thread's replies ({@code conversations.replies}),
     * any other message among the channel's messages ({@code conversations.history}) since a minute before the
     * try. Both need the channel's id ({@code channelRef}, learnt from Slack's earlier answers; else the target
     * itself, which is right when destinations name channels by id) and the history scopes
     * ({@code channels:history}, {@code groups:history}); without them Slack's refusal makes the answer
     * {@link Lookup#UNKNOWN}.
     */
    @Override
    public Lookup lookUp(UUID id, String channel, Thread thread, String channelRef, Instant triedAt) {
        String where = channelRef != null ? channelRef : channel;
        String oldest = triedAt.minusSeconds(60).getEpochSecond() + ".000000";
        boolean reply = thread != null && thread.started();
        String from = null;
        try {
            for (int page = 0; page < LOOKUP_PAGES; page++) {
                String cursor = from;
                Page p = reply ? page(call(() -> methods.conversationsReplies(q -> q.channel(where)
                        .ts(thread.parentRef()).oldest(oldest).includeAllMetadata(true).limit(200).cursor(cursor))))
                        : page(call(() -> methods.conversationsHistory(q -> q.channel(where).oldest(oldest)
                        .includeAllMetadata(true).limit(200).cursor(cursor))));
                for (Message m : p.messages() == null ? List.<Message>of() : p.messages()) {
                    if (m.getMetadata() != null && METADATA_TYPE.equals(m.getMetadata().getEventType())
                            && m.getMetadata().getEventPayload() != null
                            && id.toString().equals(String.valueOf(m.getMetadata().getEventPayload()
                            .get(METADATA_ID)))) {
                        return new Lookup(true, new Delivery(m.getTs(), channelRef));
                    }
                }
                if (p.next() == null || p.next().isBlank()) {
                    return Lookup.ABSENT;
                }
                from = p.next();
            }
            return Lookup.UNKNOWN;   // more than ten pages since the try: too busy a channel to tell
        } catch (DeliveryException e) {
            if (e.fault == DeliveryException.Fault.TRANSIENT) {
                throw e;
            }
            return Lookup.UNKNOWN;   // no history scope, the channel not known by that name: cannot tell
        }
    }

    private interface SlackCall<T extends SlackApiTextResponse> {
        T call() throws IOException, SlackApiException;
    }

    /** Runs one Web API call; throws a classified {@link DeliveryException} when it did not take. */
    private static <T extends SlackApiTextResponse> T call(SlackCall<T> c) {
        try {
            T response = c.call();
            if (!response.isOk()) {
                throw classify(response.getError());
            }
            return response;
        } catch (SlackApiException e) {
            throw classifyHttp(e.getResponse().code(), e.getResponse().header("Retry-After"));
        } catch (ConnectException e) {
            throw new DeliveryException("Slack unreachable: " + e.getMessage(), null);   // never reached Slack
        } catch (IOException e) {
            // no answer (timeout, connection lost mid-call): it may have been taken all the same
            throw DeliveryException.noAnswer("Slack unreachable: " + e.getMessage());
        }
    }

    /**
     * Slack's answers that no later try of this message to this channel can change: the channel is gone,
     * archived or closed to the bot, or the message itself is refused (Slack's documented error codes of
     * {@code chat.postMessage} and {@code chat.update}).
     */
    static final Set<String> PERMANENT = Set.of("channel_not_found", "is_archived", "not_in_channel",
            "restricted_action", "restricted_action_read_only_channel", "restricted_action_thread_only_channel",
            "restricted_action_non_threadable_channel", "cannot_reply_to_message", "team_access_not_granted",
            "invalid_blocks", "invalid_blocks_format", "msg_too_long", "msg_blocks_too_long", "no_text",
            "too_many_attachments", "invalid_attachments", "invalid_metadata_format", "invalid_metadata_schema",
            "metadata_too_large", "as_user_not_supported", "message_not_found", "cant_update_message",
            "edit_window_closed", "invalid_arguments", "invalid_arg_name", "invalid_array_arg", "invalid_charset",
            "invalid_form_data", "invalid_post_type", "missing_post_type", "invalid_json", "json_not_object");

    /** An earlier message that can no longer be updated (deleted, too old): nothing for anyone to fix. */
    static final Set<String> UNEDITABLE = Set.of("message_not_found", "cant_update_message", "edit_window_closed");

    /** Answers about the bot token itself: no message to any channel can go until someone fixes it. */
    static final Set<String> CREDENTIALS = Set.of("not_authed", "invalid_auth", "account_inactive", "token_revoked",
            "token_expired", "no_permission", "missing_scope", "not_allowed_token_type", "org_login_required",
            "ekm_access_denied", "two_factor_setup_required", "access_denied");

    /**
     * What Slack's {@code error} code means for the row: {@link #PERMANENT} fails it for good,
     * {@link #CREDENTIALS} stops the whole channel; anything else ({@code ratelimited}, {@code fatal_error},
     * {@code internal_error}, {@code service_unavailable}, a code not known here) is tried again.
     */
    static DeliveryException classify(String error) {
        String code = ExternalText.field(error);
        if (code != null && UNEDITABLE.contains(code)) {
            return DeliveryException.permanentQuietly(code, "Slack answered " + code);
        }
        if (code != null && PERMANENT.contains(code)) {
            return DeliveryException.permanent(code, "Slack answered " + code);
        }
        if (code != null && CREDENTIALS.contains(code)) {
            return DeliveryException.credentials(code, "Slack answered " + code);
        }
        return new DeliveryException("Slack answered " + code, "ratelimited".equals(code)
                ? Duration.ofSeconds(30) : null);
    }

    /** An HTTP error from Slack: 429 waits its {@code Retry-After}; 401/403 are the token's; the rest again later. */
    static DeliveryException classifyHttp(int status, String retryAfterHeader) {
        if (status == 401 || status == 403) {
            return DeliveryException.credentials("http_" + status, "Slack HTTP " + status);
        }
        return new DeliveryException("Slack HTTP " + status, status == 429
                ? Duration.ofSeconds(parseSeconds(retryAfterHeader)) : null);
    }

    private static long parseSeconds(String header) {
        try {
            return header == null ? 30 : Math.max(1, Long.parseLong(header.trim()));
        } catch (NumberFormatException e) {
            return 30;
        }
    }
}
