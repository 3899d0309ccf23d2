package io.aof.simulator;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The sink answers conversations.history and conversations.replies as Slack does: what AOF's lookups rely on. */
class SlackSinkTest {

    @Test
    void historyShowsTopLevelMessagesNewestFirstRepliesShowAThreadOldestFirstMetadataOnlyWhenAsked() {
        SlackSink sink = new SlackSink();
        Map<String, Object> meta = Map.of("event_type", "aof_notification",
                "event_payload", Map.of("notification_id", "n-1"));
        String first = (String) sink.post("chat.postMessage", "C1", "first", null, null, null, meta).get("ts");
        String second = (String) sink.post("chat.postMessage", "C1", "second", null, null, null, null).get("ts");
        String reply = (String) sink.post("chat.postMessage", "C1", "reply", null, first, null, null).get("ts");
        sink.post("chat.update", "C1", "first, updated", null, null, first, null);
        sink.post("chat.postMessage", "C2", "elsewhere", null, null, null, null);

        assertThat(Double.parseDouble(second)).isGreaterThan(Double.parseDouble(first));
        assertThat(sink.history("C1", null, null, true)).extracting(m -> m.get("text"))
                .containsExactly("second", "first");
        assertThat(sink.history("C1", null, null, true).get(1).get("metadata")).isEqualTo(meta);
        assertThat(sink.history("C1", null, null, false).get(1)).doesNotContainKey("metadata");
        assertThat(sink.history("C1", first, null, false)).extracting(m -> m.get("ts"))
                .containsExactly(first, reply);
        assertThat(sink.history("C1", null, first, false)).extracting(m -> m.get("text"))
                .containsExactly("second");   // only after oldest
        assertThat(sink.history("C3", null, null, true)).isEqualTo(List.of());
    }
}
