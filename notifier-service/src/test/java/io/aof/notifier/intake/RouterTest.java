package io.aof.notifier.intake;

import io.aof.common.events.AofEvent;
import io.aof.common.events.NotificationRequested.Audience;
import io.aof.common.events.NotificationRequested.Kind;
import io.aof.common.events.NotificationRequested.Severity;
import io.aof.common.events.NotificationRequested;
import io.aof.notifier.NotifierProperties;
import io.aof.notifier.delivery.ReportRenderingTest;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Routing rules bound from properties exactly as the service binds them. */
public class RouterTest {

    public static NotifierProperties bind(Map<String, String> props) {
        return new Binder(new MapConfigurationPropertySource(props)).bindOrCreate("aof.notifier",
                NotifierProperties.class);
    }

    static NotificationRequested n(Audience audience, Kind kind, String category, long recipe, Long folder,
                                   String recipeName) {
        return new NotificationRequested(UUID.randomUUID(), Instant.now(), AofEvent.SCHEMA_VERSION, "w", recipe, "j-1",
                "w:" + recipe + ":j-1", 1, audience, kind, Severity.WARNING, "k", "t", recipeName, category, 5, "e",
                folder, null, null);
    }

    @Test
    void withoutRulesTheAudienceDecides() {
        Router r = new Router(bind(Map.of("aof.notifier.email.admin-to", "a@x.test, b@x.test")));
        assertThat(r.destinations(n(Audience.OPS, Kind.FIRST_FAILURE, "TIMEOUT", 1, null, "R")))
                .containsExactly("slack:#aof-ops");
        assertThat(r.destinations(n(Audience.SUPER_ADMIN, Kind.EXHAUSTED, "TIMEOUT", 1, null, "R")))
                .containsExactly("slack:#aof-admin", "email:a@x.test,b@x.test");
    }

    @Test
    void rulesMatchOnFolderCategoryAndNameFirstMatchWinsUnlessItContinues() {
        Router r = new Router(bind(Map.ofEntries(
                Map.entry("aof.notifier.webhooks.pd.url", "https://events.pagerduty.com/v2/enqueue"),
                Map.entry("aof.notifier.webhooks.pd.format", "PAGERDUTY"),
                Map.entry("aof.notifier.webhooks.pd.routing-key", "R0UT1NG"),
                // finance folder's owners, every alert; and PagerDuty for its final ones
                Map.entry("aof.notifier.routes[0].match.folder-ids", "77"),
                Map.entry("aof.notifier.routes[0].to", "slack:#finance-ops"),
                Map.entry("aof.notifier.routes[0].continue-matching", "true"),
                Map.entry("aof.notifier.routes[1].match.folder-ids", "77"),
                Map.entry("aof.notifier.routes[1].to", "webhook:pd"),
                Map.entry("aof.notifier.routes[1].final-only", "true"),
                // auth errors anywhere: the integration team, not on recovery
                Map.entry("aof.notifier.routes[2].match.categories", "AUTH"),
                Map.entry("aof.notifier.routes[2].to", "slack:#integrations"),
                Map.entry("aof.notifier.routes[2].on-recovery", "false"),
                Map.entry("aof.notifier.routes[3].match.recipe-name", "Payroll .*"),
                Map.entry("aof.notifier.routes[3].to", "email:payroll@x.test"),
                Map.entry("spring.mail.host", "unused"))));

        assertThat(r.destinations(n(Audience.OPS, Kind.FIRST_FAILURE, "TIMEOUT", 1, 77L, "R")))
                .containsExactly("slack:#finance-ops");
        assertThat(r.destinations(n(Audience.OPS, Kind.EXHAUSTED, "TIMEOUT", 1, 77L, "R")))
                .containsExactly("slack:#finance-ops", "webhook:pd");
        assertThat(r.destinations(n(Audience.OPS, Kind.RECOVERED, "TIMEOUT", 1, 77L, "R")))
                .containsExactly("slack:#finance-ops", "webhook:pd");   // PagerDuty resolves
        assertThat(r.destinations(n(Audience.OPS, Kind.NON_RETRYABLE, "AUTH", 1, 5L, "R")))
                .containsExactly("slack:#integrations");
        assertThat(r.destinations(n(Audience.OPS, Kind.RECOVERED, "AUTH", 1, 5L, "R"))).isEmpty();
        assertThat(r.destinations(n(Audience.OPS, Kind.FIRST_FAILURE, "TIMEOUT", 1, 5L, "Payroll run")))
                .containsExactly("email:payroll@x.test");
        assertThat(r.destinations(n(Audience.OPS, Kind.FIRST_FAILURE, "TIMEOUT", 1, 5L, "Orders")))
                .containsExactly("slack:#aof-ops");
        assertThat(r.usesEmail()).isTrue();
    }

    static NotificationRequested outage(Audience audience, Kind kind, String category) {
        return new NotificationRequested(UUID.randomUUID(), Instant.now(), AofEvent.SCHEMA_VERSION, "w", null, null,
                "outage-1", null, audience, kind, Severity.WARNING, "outage-1:" + kind, "netsuite unreachable", null,
                category, null, null, null, null, null);
    }

    /**
     * An outage has no recipe, folder or recipe name, and may have no category: routes on those do not take it
     * (and do not fail on it); a final-only route takes its start and end, not its updates; on-recovery decides
     * its end as a recovery's; its updates go to Slack destinations only.
     */
    @Test
    void anOutageWithoutRecipeOrCategoryPassesOnlyTheRoutesThatDoNotAskForThem() {
        Router r = new Router(bind(Map.ofEntries(
                Map.entry("aof.notifier.webhooks.pd.url", "https://events.pagerduty.com/v2/enqueue"),
                Map.entry("aof.notifier.webhooks.pd.format", "PAGERDUTY"),
                Map.entry("aof.notifier.webhooks.pd.routing-key", "R0UT1NG"),
                Map.entry("aof.notifier.routes[0].match.categories", "AUTH"),
                Map.entry("aof.notifier.routes[0].to", "slack:#auth"),
                Map.entry("aof.notifier.routes[1].match.recipe-ids", "7"),
                Map.entry("aof.notifier.routes[1].to", "slack:#r7"),
                Map.entry("aof.notifier.routes[2].match.folder-ids", "77"),
                Map.entry("aof.notifier.routes[2].to", "slack:#finance"),
                Map.entry("aof.notifier.routes[3].match.recipe-name", "Payroll .*"),
                Map.entry("aof.notifier.routes[3].to", "slack:#payroll"),
                Map.entry("aof.notifier.routes[4].match.categories", "TIMEOUT"),
                Map.entry("aof.notifier.routes[4].to", "slack:#timeouts"),
                Map.entry("aof.notifier.routes[4].continue-matching", "true"),
                Map.entry("aof.notifier.routes[5].match.audiences", "OPS"),
                Map.entry("aof.notifier.routes[5].final-only", "true"),
                Map.entry("aof.notifier.routes[5].to", "webhook:pd,slack:#oncall,email:oncall@x.test"),
                Map.entry("spring.mail.host", "unused"))));

        for (String category : new String[] {null, "TIMEOUT"}) {
            List<String> timeouts = category == null ? List.of() : List.of("slack:#timeouts");
            assertThat(r.destinations(outage(Audience.OPS, Kind.OUTAGE_STARTED, category))).as(category)
                    .containsExactlyElementsOf(concat(timeouts, "webhook:pd", "slack:#oncall", "email:oncall@x.test"));
            // not final: the final-only route does not take it (its thread there is edited all the same)
            assertThat(r.destinations(outage(Audience.OPS, Kind.OUTAGE_UPDATED, category))).as(category)
                    .containsExactlyElementsOf(timeouts);
            assertThat(r.destinations(outage(Audience.OPS, Kind.OUTAGE_ENDED, category))).as(category)
                    .containsExactlyElementsOf(concat(timeouts, "webhook:pd", "slack:#oncall", "email:oncall@x.test"));
        }
        // no route matching: the defaults by audience, where an update is not e-mailed
        Router defaults = new Router(bind(Map.of("aof.notifier.email.ops-to", "ops@x.test",
                "aof.notifier.email.admin-to", "boss@x.test")));
        assertThat(defaults.destinations(outage(Audience.OPS, Kind.OUTAGE_STARTED, null)))
                .containsExactly("slack:#aof-ops", "email:ops@x.test");
        assertThat(defaults.destinations(outage(Audience.OPS, Kind.OUTAGE_UPDATED, null)))
                .containsExactly("slack:#aof-ops");
        assertThat(defaults.destinations(outage(Audience.SUPER_ADMIN, Kind.OUTAGE_STARTED, "TIMEOUT")))
                .containsExactly("slack:#aof-admin", "email:boss@x.test");
        // a route that leaves out recoveries leaves out an outage's end too
        Router noRecovery = new Router(bind(Map.of("aof.notifier.routes[0].match.audiences", "OPS",
                "aof.notifier.routes[0].to", "slack:#x", "aof.notifier.routes[0].on-recovery", "false")));
        assertThat(noRecovery.destinations(outage(Audience.OPS, Kind.OUTAGE_STARTED, null)))
                .containsExactly("slack:#x");
        assertThat(noRecovery.destinations(outage(Audience.OPS, Kind.OUTAGE_ENDED, null))).isEmpty();
    }

    private static List<String> concat(List<String> first, String... more) {
        List<String> out = new java.util.ArrayList<>(first);
        out.addAll(List.of(more));
        return out;
    }

    @Test
    void theReportGoesToItsChannelAndItsRecipients() {
        Router r = new Router(bind(Map.of("aof.notifier.report.slack-channel", "#reports",
                "aof.notifier.email.report-to", "boss@x.test")));
        assertThat(r.destinations(NotificationRequested.report(ReportRenderingTest.sample(), "k")))
                .containsExactly("slack:#reports", "email:boss@x.test");
    }

    @Test
    void aBadRuleStopsTheStartNamingIt() {
        assertThatThrownBy(() -> new Router(bind(Map.of("aof.notifier.routes[0].to", "teams:#x"))))
                .hasMessageContaining("aof.notifier.routes[0].to").hasMessageContaining("teams:#x");
        assertThatThrownBy(() -> new Router(bind(Map.of("aof.notifier.routes[0].to", "webhook:nope"))))
                .hasMessageContaining("no webhook named \"nope\"");
        assertThatThrownBy(() -> new Router(bind(Map.of("aof.notifier.routes[0].to", "slack:#x",
                "aof.notifier.routes[0].match.recipe-name", "(unclosed"))))
                .hasMessageContaining("aof.notifier.routes[0].match.recipe-name");
        assertThatThrownBy(() -> new Router(bind(Map.of("aof.notifier.routes[0].match.categories", "AUTH"))))
                .hasMessageContaining("aof.notifier.routes[0].to names no destination");
        assertThatThrownBy(() -> new Router(bind(Map.of("aof.notifier.webhooks.pd.url", "https://pd.test",
                "aof.notifier.webhooks.pd.format", "PAGERDUTY"))))
                .hasMessageContaining("routing-key");
        assertThatThrownBy(() -> new Router(bind(Map.of("aof.notifier.fallback.destination", "pager"))))
                .hasMessageContaining("aof.notifier.fallback.destination");
    }

    @Test
    void secretsAreNotInToString() {
        NotifierProperties p = bind(Map.of("aof.notifier.slack.bot-token", "xoxb-secret",
                "aof.notifier.webhooks.pd.url", "https://pd.test", "aof.notifier.webhooks.pd.routing-key", "R0UT1NG",
                "aof.notifier.webhooks.pd.format", "PAGERDUTY"));
        assertThat(p.toString()).doesNotContain("xoxb-secret", "R0UT1NG");
        assertThat(List.of(p.slack().toString(), p.webhooks().get("pd").toString())).allSatisfy(s ->
                assertThat(s).contains("******"));
    }

    @Test
    void theFallbackIsTheSuperAdminsEmailElseTheirSlackChannelUnlessTurnedOff() {
        assertThat(bind(Map.of()).fallback().destination()).isEqualTo("slack:#aof-admin");
        assertThat(bind(Map.of("aof.notifier.email.admin-to", "a@x.test, b@x.test")).fallback().destination())
                .isEqualTo("email:a@x.test,b@x.test");
        assertThat(bind(Map.of("aof.notifier.fallback.destination", "none")).fallback().destination()).isEmpty();
        assertThat(bind(Map.of("aof.notifier.fallback.destination", "webhook:x")).fallback().destination())
                .isEqualTo("webhook:x");
    }
}
