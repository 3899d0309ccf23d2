package io.aof.collation.webhook;

import io.aof.collation.CollationApplication;
import io.aof.collation.CollationProperties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Configuration;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * {@code aof.collation.webhook.sources}: what a wrong configuration says at
 * start (naming the properties, never a credential), what {@code toString}
 * shows, and that the README's ways of giving the credentials bind (a config
 * tree of files, as a Kubernetes secret is mounted).
 */
class WebhookSourcesConfigTest {

    static CollationProperties.Webhook bind(Map<String, String> settings) {
        return new Binder(new MapConfigurationPropertySource(settings))
                .bindOrCreate("aof.collation", CollationProperties.class).webhook();
    }

    static Map<String, String> sources(String... nameAndProperty) {
        Map<String, String> p = new HashMap<>();
        for (int i = 0; i < nameAndProperty.length; i += 2) {
            p.put("aof.collation.webhook." + nameAndProperty[i], nameAndProperty[i + 1]);
        }
        return p;
    }

    static void refused(Map<String, String> settings, String... messageParts) {
        assertThatThrownBy(() -> bind(settings)).rootCause().isInstanceOf(IllegalArgumentException.class)
                .satisfies(e -> {
                    assertThat(e.getMessage()).contains(messageParts);
                    for (String v : settings.values()) {
                        if (v.contains("secret") || v.contains("tok-")) {
                            assertThat(e.getMessage()).as("the message shows no credential").doesNotContain(v);
                        }
                    }
                });
    }

    @Test
    void twoSourcesAndTheLegacyTokenMakeThreeSourcesWithTheirBudgets() {
        CollationProperties.Webhook w = bind(sources("token", "tok-legacy", "per-source-per-minute", "50",
                "sources[0].name", "team-a", "sources[0].tokens[0]", "tok-a1", "sources[0].tokens[1]", "tok-a2",
                "sources[0].per-minute", "7",
                "sources[1].name", "team_b", "sources[1].hmac-secrets", "secret-b1, ,secret-b2"));

        assertThat(w.effectiveSources()).extracting(CollationProperties.Source::name)
                .containsExactly("default", "team-a", "team_b");
        assertThat(w.effectiveSources()).extracting(w::perMinuteOf).containsExactly(50, 7, 50);
        assertThat(w.sources().get(0).tokens()).containsExactly("tok-a1", "tok-a2");
        assertThat(w.sources().get(1).hmacSecrets()).containsExactly("secret-b1", "secret-b2");   // blank dropped
        assertThat(w.toString()).contains("team-a", "team_b").doesNotContain("tok-", "secret-b");
        assertThat(w.sources().get(0).toString()).doesNotContain("tok-");
    }

    @Test
    void noCredentialAtAllIsTheIntakeOff() {
        assertThat(bind(Map.of()).effectiveSources()).isEmpty();
    }

    @Test
    void duplicateNamesAreRefused() {
        refused(sources("sources[0].name", "team-a", "sources[0].tokens[0]", "tok-1",
                        "sources[1].name", "team-a", "sources[1].tokens[0]", "tok-2"),
                "aof.collation.webhook.sources[1].name ('team-a') is already the name of "
                        + "aof.collation.webhook.sources[0].name");
        // the legacy credentials are the source 'default'
        refused(sources("token", "tok-legacy", "sources[0].name", "default", "sources[0].tokens[0]", "tok-1"),
                "aof.collation.webhook.sources[0].name ('default')", "aof.collation.webhook.token");
    }

    @Test
    void aCredentialOfTwoSourcesIsRefusedWithoutShowingIt() {
        refused(sources("sources[0].name", "team-a", "sources[0].tokens[0]", "tok-shared",
                        "sources[1].name", "team-b", "sources[1].tokens[0]", "tok-b",
                        "sources[1].tokens[1]", "tok-shared"),
                "aof.collation.webhook.sources[1].tokens[1] holds the same credential as "
                        + "aof.collation.webhook.sources[0].tokens[0] (source 'team-a')");
        refused(sources("hmac-secret", "secret-shared", "sources[0].name", "team-a",
                        "sources[0].hmac-secrets[0]", "secret-shared"),
                "aof.collation.webhook.sources[0].hmac-secrets[0] holds the same credential as "
                        + "aof.collation.webhook.hmac-secret (source 'default')");
        // a token of one source used as another's HMAC key is as ambiguous
        refused(sources("sources[0].name", "team-a", "sources[0].tokens[0]", "tok-x",
                        "sources[1].name", "team-b", "sources[1].hmac-secrets[0]", "tok-x"),
                "aof.collation.webhook.sources[1].hmac-secrets[0]", "sources[0].tokens[0]");
    }

    @Test
    void aSourceWithoutCredentialOrWithABadNameOrBudgetIsRefused() {
        refused(sources("sources[0].name", "team-a"),
                "aof.collation.webhook.sources[0] ('team-a') has no credential");
        refused(sources("sources[0].name", "team-a", "sources[0].tokens[0]", "  "),
                "aof.collation.webhook.sources[0] ('team-a') has no credential");
        refused(sources("sources[0].tokens[0]", "tok-1"), "aof.collation.webhook.sources[0].name is required");
        refused(sources("sources[0].name", "Team A", "sources[0].tokens[0]", "tok-1"),
                "aof.collation.webhook.sources[0].name ('Team A') must match [a-z0-9][a-z0-9_-]{0,62}");
        refused(sources("sources[0].name", "none", "sources[0].tokens[0]", "tok-1"),
                "aof.collation.webhook.sources[0].name ('none') is reserved");
        refused(sources("sources[0].name", "a".repeat(64), "sources[0].tokens[0]", "tok-1"),
                "aof.collation.webhook.sources[0].name");
        refused(sources("sources[0].name", "team-a", "sources[0].tokens[0]", "tok-1", "sources[0].per-minute", "0"),
                "aof.collation.webhook.sources[0].per-minute (0) must be at least 1");
    }

    /**
     * What the README says about files: with
     * {@code spring.config.import=optional:configtree:<dir>/}, a file named as the
     * property holds its value (trailing newline trimmed), for list elements too,
     * in either spelling a Kubernetes secret key allows ({@code sources.0.tokens.0},
     * no brackets) or not; and a list may be one comma-separated file.
     */
    @Test
    void credentialsFromAConfigTreeBindAsTheReadmeSays(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("aof.collation.webhook.sources.0.name"), "team-a\n");
        Files.writeString(dir.resolve("aof.collation.webhook.sources.0.tokens.0"), "tok-from-file-1\n");
        Files.writeString(dir.resolve("aof.collation.webhook.sources.0.tokens.1"), "tok-from-file-2\n");
        Files.writeString(dir.resolve("aof.collation.webhook.sources.1.name"), "team-b");
        Files.writeString(dir.resolve("aof.collation.webhook.sources.1.hmac-secrets"), "secret-1,secret-2\n");
        Files.writeString(dir.resolve("aof.collation.webhook.token"), "tok-legacy-from-file\n");

        try (ConfigurableApplicationContext ctx = new SpringApplicationBuilder(Props.class)
                .web(WebApplicationType.NONE)
                .properties("spring.config.name=" + CollationApplication.CONFIG_NAME,
                        "spring.main.banner-mode=off")
                .run("--spring.config.import=optional:configtree:" + dir.toAbsolutePath() + "/")) {
            CollationProperties.Webhook w = ctx.getBean(CollationProperties.class).webhook();
            assertThat(w.token()).isEqualTo("tok-legacy-from-file");   // wins over the yml's ${AOF_WEBHOOK_TOKEN:}
            assertThat(w.sources()).extracting(CollationProperties.Source::name).containsExactly("team-a", "team-b");
            assertThat(w.sources().get(0).tokens()).containsExactly("tok-from-file-1", "tok-from-file-2");
            assertThat(w.sources().get(1).hmacSecrets()).containsExactly("secret-1", "secret-2");
        }
    }

    @Test
    void credentialsFromEnvironmentVariablesBind() {
        var env = new org.springframework.core.env.SystemEnvironmentPropertySource("systemEnvironment", Map.of(
                "AOF_COLLATION_WEBHOOK_SOURCES_0_NAME", "team-a",
                "AOF_COLLATION_WEBHOOK_SOURCES_0_TOKENS_0", "tok-env-1",
                "AOF_COLLATION_WEBHOOK_SOURCES_0_TOKENS_1", "tok-env-2",
                "AOF_COLLATION_WEBHOOK_SOURCES_1_NAME", "team-b",
                "AOF_COLLATION_WEBHOOK_SOURCES_1_HMACSECRETS", "secret-1,secret-2"));
        var sources = org.springframework.boot.context.properties.source.ConfigurationPropertySources.from(env);
        CollationProperties.Webhook w = new Binder(sources).bindOrCreate("aof.collation", CollationProperties.class)
                .webhook();
        assertThat(w.sources().get(0).tokens()).containsExactly("tok-env-1", "tok-env-2");
        assertThat(w.sources().get(1).hmacSecrets()).containsExactly("secret-1", "secret-2");
    }

    @Configuration(proxyBeanMethods = false)
    @EnableConfigurationProperties(CollationProperties.class)
    static class Props {
    }
}
