package io.aof.common.ops;

import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.validation.autoconfigure.ValidationAutoConfiguration;
import org.springframework.context.annotation.Configuration;
import org.springframework.boot.context.properties.EnableConfigurationProperties;

import static org.assertj.core.api.Assertions.assertThat;

/** Settings that cannot work stop the service at start, naming the setting and what to do. */
class SecurityPropertiesTest {

    @Configuration(proxyBeanMethods = false)
    @EnableConfigurationProperties(SecurityProperties.class)
    static class Props {
    }

    final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(ValidationAutoConfiguration.class))
            .withUserConfiguration(Props.class);

    static final String HASH = new org.springframework.security.crypto.bcrypt.BCryptPasswordEncoder(4).encode("pw");

    @Test
    void aGoodConfigurationStarts() {
        runner.withPropertyValues("aof.security.users[0].name=alice", "aof.security.users[0].password-hash=" + HASH,
                        "aof.security.users[0].roles=operator,viewer",
                        "aof.security.jwt.issuer-uri=https://idp.example.test", "aof.security.jwt.audiences=aof",
                        "aof.security.cors.allowed-origins=http://localhost:8082")
                .run(ctx -> {
                    assertThat(ctx).hasNotFailed();
                    SecurityProperties p = ctx.getBean(SecurityProperties.class);
                    assertThat(p.users().get(0).roles()).containsExactlyInAnyOrder(Role.OPERATOR, Role.VIEWER);
                    assertThat(p.jwt().enabled()).isTrue();
                    assertThat(p.jwt().rolesClaim()).isEqualTo("roles");
                    assertThat(p.users().get(0).toString()).doesNotContain(HASH);
                });
        runner.run(ctx -> {
            assertThat(ctx).hasNotFailed();
            assertThat(ctx.getBean(SecurityProperties.class).jwt().enabled()).isFalse();
        });
    }

    @Test
    void aPasswordInsteadOfAHashIsRefused() {
        assertFails("password-hash", "BCrypt", "aof.security.users[0].name=alice",
                "aof.security.users[0].password-hash=s3cret", "aof.security.users[0].roles=viewer");
        // what was given is often the password itself: it is not repeated in the error (nor in what Boot reports)
        runner.withPropertyValues("aof.security.users[0].name=alice", "aof.security.users[0].password-hash=s3cret",
                "aof.security.users[0].roles=viewer").run(ctx -> {
                    assertThat(allMessages(ctx.getStartupFailure())).contains("BCrypt").doesNotContain("s3cret");
                });
    }

    @Test
    void anUnknownRoleOrNoRoleIsRefused() {
        assertFails("roles", "", "aof.security.users[0].name=alice", "aof.security.users[0].password-hash=" + HASH);
        assertFails("aof.security.users[0].roles", "superuser", "aof.security.users[0].name=alice",
                "aof.security.users[0].password-hash=" + HASH, "aof.security.users[0].roles=superuser");
    }

    @Test
    void aNameTwiceIsRefused() {
        assertFails("each name at most once", "", "aof.security.users[0].name=alice",
                "aof.security.users[0].password-hash=" + HASH, "aof.security.users[0].roles=viewer",
                "aof.security.users[1].name=alice", "aof.security.users[1].password-hash=" + HASH,
                "aof.security.users[1].roles=admin");
    }

    @Test
    void singleSignOnWithoutAnAudienceIsRefused() {
        assertFails("audiences", "any other application", "aof.security.jwt.issuer-uri=https://idp.example.test");
        assertFails("absolute http(s)", "", "aof.security.jwt.jwk-set-uri=/only/a/path",
                "aof.security.jwt.audiences=aof");
    }

    @Test
    void aWildcardOriginIsRefused() {
        assertFails("allowed-origins", "not '*'", "aof.security.cors.allowed-origins=*");
    }

    void assertFails(String mention, String alsoMention, String... props) {
        runner.withPropertyValues(props).run(ctx -> {
            assertThat(ctx).hasFailed();
            String message = allMessages(ctx.getStartupFailure());
            assertThat(message).contains(mention).contains(alsoMention);
        });
    }

    static String allMessages(Throwable t) {
        StringBuilder b = new StringBuilder();
        for (Throwable c = t; c != null; c = c.getCause()) {
            b.append(c.getMessage()).append('\n');
            if (c instanceof org.springframework.boot.context.properties.bind.BindException e
                    && e.getProperty() != null) {
                // what Boot's failure report prints as the property's "Value"
                b.append("value: ").append(e.getProperty().getValue()).append('\n');
            }
            if (c instanceof org.springframework.boot.context.properties.bind.validation.BindValidationException v) {
                v.getValidationErrors().forEach(e -> b.append(e.getDefaultMessage()).append(" (")
                        .append(e instanceof org.springframework.validation.FieldError f ? f.getField() : e.getObjectName())
                        .append(") rejected: ").append(e instanceof org.springframework.validation.FieldError g
                                ? g.getRejectedValue() : "").append('\n'));
            }
        }
        return b.toString();
    }
}
