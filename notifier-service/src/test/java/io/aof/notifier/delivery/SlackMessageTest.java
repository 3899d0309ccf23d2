package io.aof.notifier.delivery;

import io.aof.common.events.AofEvent;
import io.aof.common.events.NotificationRequested;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

class SlackMessageTest {

    @Test
    void textFromAJobCannotMentionAnyoneOrForgeALink() {
        NotificationRequested n = new NotificationRequested(UUID.randomUUID(), Instant.now(), AofEvent.SCHEMA_VERSION,
                "acme", 42L, "j-AAA", "acme:42:j-AAA", 5, NotificationRequested.Audience.SUPER_ADMIN,
                NotificationRequested.Kind.EXHAUSTED, NotificationRequested.Severity.CRITICAL, "k",
                "Job still failing after all retries", "Orders <!here> & co", "UPSTREAM_5XX", 5,
                "500: <!channel> <@U123> <https://evil.example|click me> & more", null, null, null);

        SlackMessage m = SlackMessage.of(n, "https://app.workato.com");
        String all = m.text() + m.blocks().toString();

        assertThat(all).doesNotContain("<!channel>", "<!here>", "<@U123>", "<https://evil.example");
        assertThat(all).contains("&lt;!channel&gt;", "&lt;!here&gt;", "&amp; more");
        assertThat(all).contains("<https://app.workato.com/recipes/42/job/j-AAA|j-AAA>");
        assertThat(m.text()).contains("attempt 5 of 5");
    }

    @Test
    void aofsOwnTroubleSaysWhatItIsWithoutEmptyRecipeAndJobFields() {
        NotificationRequested n = NotificationRequested.trouble("acme", "aof:dlt", NotificationRequested.Kind.AOF_TROUBLE,
                "Dead letters are piling up", "aof.job-failures.dlt: 3 <records>");

        SlackMessage m = SlackMessage.of(n, "https://app.workato.com");

        assertThat(m.text()).isEqualTo(":fire: Dead letters are piling up");
        assertThat(m.blocks().toString()).contains("aof.job-failures.dlt: 3 &lt;records&gt;")
                .doesNotContain("recipe null", "*Job*");
    }

    static NotificationRequested outage(NotificationRequested.Kind kind, String title, String detail,
                                        String category) {
        return new NotificationRequested(UUID.randomUUID(), Instant.parse("2026-11-28T10:40:00Z"),
                AofEvent.SCHEMA_VERSION, "acme", null, null, "outage-42", null, NotificationRequested.Audience.OPS,
                kind, NotificationRequested.Severity.WARNING, "outage-42:" + kind + ":1", title, null, category, null,
                detail, null, null, null);
    }

    @Test
    void anOutageSaysItsSummaryAndDetailWithoutRecipeJobOrAttempt() {
        NotificationRequested started = outage(NotificationRequested.Kind.OUTAGE_STARTED,
                "netsuite unreachable: 37 jobs, 9 recipes, since 10:02 UTC — probing every 5 min",
                "last probe: connect timed out <!channel>", null);
        NotificationRequested ended = outage(NotificationRequested.Kind.OUTAGE_ENDED,
                "netsuite reachable again after 47 min", null, "TIMEOUT");

        SlackMessage first = SlackMessage.of(started, "https://app.workato.com");
        SlackMessage reply = SlackMessage.reply(ended);
        SlackMessage closed = SlackMessage.closedParent(started, ended, "https://app.workato.com");

        assertThat(first.text()).isEqualTo(":red_circle: netsuite unreachable: 37 jobs, 9 recipes, since 10:02 UTC"
                + " — probing every 5 min");
        assertThat(first.blocks().toString()).contains("last probe: connect timed out &lt;!channel&gt;",
                "Outage `outage-42`", "as of <!date^1795862400^").doesNotContain("TIMEOUT");
        assertThat(reply.text()).isEqualTo(":large_green_circle: netsuite reachable again after 47 min");
        assertThat(closed.text()).isEqualTo(":large_green_circle: netsuite reachable again after 47 min · "
                + ":red_circle: netsuite unreachable: 37 jobs, 9 recipes, since 10:02 UTC — probing every 5 min");
        assertThat(SlackMessage.of(ended, "https://app.workato.com").blocks().toString()).contains("· TIMEOUT ·");
        for (SlackMessage m : List.of(first, reply, closed, SlackMessage.of(ended, "https://app.workato.com"))) {
            // (the blocks' toString names their unset fields "=null": what was rendered would read " null")
            String all = m.text() + m.blocks();
            assertThat(all).doesNotContain(" null", "null ", "`null`", "*Recipe*", "recipe null", "*Job*", "(job ",
                    "*Attempt*", "attempt", "*Category*", "*Error*", "<!channel>");
        }
    }
}
