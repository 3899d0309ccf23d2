package io.aof.notifier.delivery;

import io.aof.common.events.NotificationRequested.Audience;
import io.aof.common.events.NotificationRequested.Kind;
import io.aof.notifier.FakeSlack;
import io.aof.notifier.NotifierProperties;
import io.aof.notifier.intake.NotificationStoreTest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** What Slack's answers mean for a row, through slack-api-client against a real HTTP fake of Slack's Web API. */
class SlackSenderTest {

    FakeSlack slack;
    SlackSender sender;

    @BeforeEach
    void start() throws Exception {
        slack = new FakeSlack();
        sender = new SlackSender(new NotifierProperties.Slack(slack.apiUrl(), "xoxb-test", "#ops", "#admin"),
                "https://app.workato.com");
    }

    @AfterEach
    void stop() {
        slack.close();
    }

    @Test
    void aChannelGoneOrAMessageRefusedIsPermanentATokenRefusedIsTheChannelsTheRestIsTriedAgain() {
        for (String code : new String[] {"channel_not_found", "is_archived", "not_in_channel", "invalid_blocks",
                "msg_too_long"}) {
            slack.refuse("#ops", code, 1);
            assertThatThrownBy(() -> sender.deliver(UUID.randomUUID(), "#ops", NotificationStoreTest.alert("j-1", Kind.FIRST_FAILURE,
                    Audience.OPS), null)).as(code).isInstanceOfSatisfying(DeliveryException.class, e -> {
                        assertThat(e.fault).isEqualTo(DeliveryException.Fault.PERMANENT);
                        assertThat(e.reason).isEqualTo(code);
                        assertThat(e.getMessage()).isEqualTo("Slack answered " + code);
                    });
        }
        for (String code : new String[] {"invalid_auth", "account_inactive", "token_revoked", "not_authed"}) {
            assertThat(SlackSender.classify(code).fault).as(code).isEqualTo(DeliveryException.Fault.CREDENTIALS);
        }
        assertThat(SlackSender.classify("ratelimited").retryAfter).isEqualTo(Duration.ofSeconds(30));
        for (String code : new String[] {"ratelimited", "fatal_error", "internal_error", "service_unavailable",
                "something_new", null}) {
            assertThat(SlackSender.classify(code).fault).as(code).isEqualTo(DeliveryException.Fault.TRANSIENT);
        }
        assertThat(SlackSender.classifyHttp(429, "7").retryAfter).isEqualTo(Duration.ofSeconds(7));
        assertThat(SlackSender.classifyHttp(503, null).fault).isEqualTo(DeliveryException.Fault.TRANSIENT);
        assertThat(SlackSender.classifyHttp(401, null).fault).isEqualTo(DeliveryException.Fault.CREDENTIALS);
        assertThat(sender.sharedCredentials()).isTrue();
        // an old message that can no longer be edited fails that row, but nobody has anything to fix
        assertThat(SlackSender.classify("message_not_found")).satisfies(e -> {
            assertThat(e.fault).isEqualTo(DeliveryException.Fault.PERMANENT);
            assertThat(e.tellAdmin).isFalse();
        });
        assertThat(SlackSender.classify("channel_not_found").tellAdmin).isTrue();
    }

    @Test
    void aFirstMessageDeletedInSlackDoesNotStopTheIncidentsLastReply() {
        var first = NotificationStoreTest.alert("j-1", Kind.FIRST_FAILURE, Audience.OPS);
        String ts = sender.deliver(UUID.randomUUID(), "#ops", first, null).ref();
        slack.refuse("#ops", "message_not_found", 1);   // the chat.update of the parent

        sender.deliver(UUID.randomUUID(), "#ops", NotificationStoreTest.alert("j-1", Kind.RECOVERED, Audience.OPS),
                new Channel.Thread(ts, null, first));

        assertThat(slack.to("#ops")).extracting(FakeSlack.Call::method, FakeSlack.Call::error).containsExactly(
                org.assertj.core.groups.Tuple.tuple("chat.postMessage", null),
                org.assertj.core.groups.Tuple.tuple("chat.update", "message_not_found"),
                org.assertj.core.groups.Tuple.tuple("chat.postMessage", null));
        assertThat(slack.to("#ops").get(2).threadTs()).isEqualTo(ts);
    }

    @Test
    void whatAChannelAnswersIsCleanedWhereItEnters() {
        assertThat(new Channel.Delivery("17\u0000.5", "C\u0001X")).isEqualTo(new Channel.Delivery("17.5", "CX"));
        assertThat(SlackSender.classify("odd\u0000code").getMessage()).isEqualTo("Slack answered oddcode");
        assertThat(WebhookSender.classify("h\u0000", 503, null).getMessage()).isEqualTo("webhook h answered HTTP 503");
    }
}
