package io.aof.notifier;

import io.aof.common.events.AofEvent;
import io.aof.common.events.NotificationRequested;
import org.junit.jupiter.api.Test;

import java.time.Instant;
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
}
