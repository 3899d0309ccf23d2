package io.aof.notifier.intake;

import io.aof.notifier.NotifierProperties;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The one place {@code kind:target} is read and written. */
class DestinationTest {

    @Test
    void readsAndWritesTheStoredForm() {
        Destination d = Destination.parse("slack:#ops");
        assertThat(d.kind()).isEqualTo("slack");
        assertThat(d.target()).isEqualTo("#ops");
        assertThat(d).hasToString("slack:#ops");
        assertThat(Destination.parse("email: a@x.test,b@x.test")).isEqualTo(Destination.email(List.of("a@x.test",
                "b@x.test")));
        assertThat(Destination.slack("#admin")).hasToString("slack:#admin");
        assertThat(Destination.parse("webhook:pagerduty").is(Destination.WEBHOOK)).isTrue();
    }

    @Test
    void refusesWhatIsNoDestinationNamingTheForm() {
        // the kind as routes are written and rows stored: lower case (the dispatcher looks channels up by it)
        for (String bad : new String[] {"#ops", "slack:", "slack:  ", "sms:+4912345", ":x", "Slack:#ops"}) {
            assertThatThrownBy(() -> Destination.parse(bad)).as(bad).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("is not slack:<channel>, email:<addresses> or webhook:<name>");
        }
    }

    @Test
    void theKindOfAStoredDestinationWithoutValidatingIt() {
        assertThat(Destination.kindOf("email:a@x.test")).isEqualTo("email");
        assertThat(Destination.kindOf("#bare-channel")).isEqualTo("slack");
    }

    @Test
    void aBlankSlackChannelFailsTheStartInsteadOfEverySend() {
        assertThatThrownBy(() -> new NotifierProperties.Slack("https://slack.com/api/", "", " ", "#aof-admin"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("aof.notifier.slack.channel");
        assertThatThrownBy(() -> new NotifierProperties.Slack("https://slack.com/api/", "", "#aof-ops", ""))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(new NotifierProperties.Slack("https://slack.com/api/", "", "#aof-ops", "#aof-admin").channel())
                .isEqualTo("#aof-ops");
    }
}
