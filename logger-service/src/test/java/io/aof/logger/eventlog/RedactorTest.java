package io.aof.logger.eventlog;

import io.aof.common.events.EventCodec;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Configuration;
import tools.jackson.databind.JsonNode;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

/** What the event log's redaction takes out of a text or a payload, and what it leaves. Fast: no database. */
class RedactorTest {

    SimpleMeterRegistry meters = new SimpleMeterRegistry();

    Redactor redactor(List<String> patterns, RedactionProperties.Custom... custom) {
        return new Redactor(new RedactionProperties(true, patterns, List.of(custom)), meters);
    }

    Redactor all() {
        return redactor(List.of());
    }

    double redactions(String pattern) {
        return meters.get("aof.logger.redactions").tag("pattern", pattern).counter().count();
    }

    static JsonNode json(String s) {
        return EventCodec.readTree(s);
    }

    @Test
    void anEmailInAnErrorTextIsRedactedAndTheSentenceAroundItKept() {
        Redactor r = all();
        assertThat(redactions("email")).isZero();   // registered at start

        assertThat(r.text("422 Unprocessable: customer Alice.Smith+vip@example.co.uk already exists."))
                .isEqualTo("422 Unprocessable: customer [redacted:email] already exists.");
        assertThat(r.text("to <jörg@bücher.de>, cc bob@mail.example.com")).isEqualTo(
                "to <[redacted:email]>, cc [redacted:email]");
        assertThat(r.text("user@localhost and @handle and a@b. stay")).isEqualTo("user@localhost and @handle and "
                + "a@b. stay");
        assertThat(redactions("email")).isEqualTo(3);
        // a text starting with '@' (a Slack mention) still has its addresses looked for
        assertThat(r.text("@here contact bob@acme.com")).isEqualTo("@here contact [redacted:email]");
    }

    @Test
    void aLuhnValidCardNumberWithSpacesOrDashesIsRedacted() {
        Redactor r = all();
        assertThat(r.text("card 4111 1111 1111 1111 declined")).isEqualTo("card [redacted:card] declined");
        assertThat(r.text("card 5500-0000-0000-0004: do not honour")).isEqualTo("card [redacted:card]: do not "
                + "honour");
        assertThat(r.text("pan=4012888888881881, amount 12.50")).isEqualTo("pan=[redacted:card], amount 12.50");
        // a 13-digit Visa; a card followed by an expiry month still found
        assertThat(r.text("old card 4222222222222 exp 4111 1111 1111 1111 12")).isEqualTo(
                "old card [redacted:card] exp [redacted:card] 12");
        assertThat(redactions("card")).isEqualTo(5);
    }

    @Test
    void numbersThatAreNoCardStay() {
        Redactor r = all();
        String text = "order 4111111111111112 (Luhn fails) at 1732701234566 (epoch millis, Luhn passes but "
                + "13 digits not starting with 4) ref 98765432100000 id ORD4111111111111111 and "
                + "4111111111111111x and 12345678901234567890123 and 2026-11-27 10:00:00 +49 30 1234 56";
        assertThat(r.text(text)).isEqualTo(text);
        assertThat(redactions("card")).isZero();
    }

    @Test
    void anIbanPassingItsCheckIsRedactedAndOneFailingItStays() {
        Redactor r = all();
        assertThat(r.text("pay to DE89 3704 0044 0532 0130 00 FOR ORDER 7 or GB82WEST12345698765432."))
                .isEqualTo("pay to [redacted:iban] FOR ORDER 7 or [redacted:iban].");
        String wrong = "pay to DE88 3704 0044 0532 0130 00 and HTTP2 AB12CDEFGHIJKLMNOP";
        assertThat(r.text(wrong)).isEqualTo(wrong);
        assertThat(redactions("iban")).isEqualTo(2);
    }

    @Test
    void everyStringValueAtAnyDepthIsRedactedButKeysNumbersBooleansAndTheIdFieldsAreNot() {
        Redactor r = all();
        JsonNode in = json("""
                {"type":"JobFailed","eventId":"6f1c1f3e-0000-4000-8000-000000000001","workspace":"w",
                 "recipeId":4111111111111111,"jobId":"4111111111111111","masterJobId":"5500-0000-0000-0004",
                 "incidentId":"w:7:4111111111111111","repeatJobId":"a@b.example","category":"x@y.example",
                 "error":"card 4111111111111111 of ann@example.com",
                 "alice@example.com":"alice@example.com",
                 "report":{"recipes":[{"recipeName":"Mail bob@example.com","jobId":"4111111111111111",
                   "count":4111111111111111}],"on":true},
                 "list":["x@y.io",5,true,null,["4111-1111-1111-1111"]]}""");

        JsonNode out = r.tree(in);

        assertThat(out.get("jobId").asString()).isEqualTo("4111111111111111");
        assertThat(out.get("masterJobId").asString()).isEqualTo("5500-0000-0000-0004");
        assertThat(out.get("incidentId").asString()).isEqualTo("w:7:4111111111111111");
        assertThat(out.get("repeatJobId").asString()).isEqualTo("a@b.example");
        assertThat(out.get("category").asString()).isEqualTo("x@y.example");
        assertThat(out.get("recipeId").asLong()).isEqualTo(4111111111111111L);
        assertThat(out.get("error").asString()).isEqualTo("card [redacted:card] of [redacted:email]");
        assertThat(out.get("alice@example.com").asString()).isEqualTo("[redacted:email]");   // the key stays
        JsonNode line = out.get("report").get("recipes").get(0);
        assertThat(line.get("recipeName").asString()).isEqualTo("Mail [redacted:email]");
        assertThat(line.get("jobId").asString()).isEqualTo("[redacted:card]");   // only top-level ids are kept
        assertThat(line.get("count").asLong()).isEqualTo(4111111111111111L);
        assertThat(out.get("report").get("on").asBoolean()).isTrue();
        assertThat(out.get("list").toString()).isEqualTo("[\"[redacted:email]\",5,true,null,[\"[redacted:card]\"]]");
        assertThat(in.get("error").asString()).contains("ann@example.com");   // the input is not changed
    }

    @Test
    void aCustomPatternIsAppliedAfterTheBuiltInsAndNoneTurnsTheBuiltInsOff() {
        Redactor r = redactor(List.of(), new RedactionProperties.Custom("order", "ORD-[0-9]{6}"),
                new RedactionProperties.Custom("empty-match", "x*"));
        assertThat(r.text("ORD-123456 for a@b.io, xx")).isEqualTo("[redacted:order] for [redacted:email], "
                + "[redacted:empty-match]");
        assertThat(redactions("order")).isEqualTo(1);

        Redactor onlyCustom = redactor(List.of("none"), new RedactionProperties.Custom("order", "ORD-[0-9]{6}"));
        assertThat(onlyCustom.text("ORD-123456 for a@b.io")).isEqualTo("[redacted:order] for a@b.io");
        Redactor onlyCard = redactor(List.of("Card"));
        assertThat(onlyCard.text("a@b.io 4111111111111111")).isEqualTo("a@b.io [redacted:card]");
    }

    @Test
    void aPathologicalRegexGivesUpQuicklyAndTheTextIsStoredAsUncheckedNeverAsItWas() {
        Redactor r = redactor(List.of(), new RedactionProperties.Custom("slow", "(a+)+\\1$"));
        // exponential backtracking (the back reference keeps Java from memoizing it): 30 a's took 50 s unbounded
        String evil = "a".repeat(40) + "! mail c@d.io";

        String out = assertTimeoutPreemptively(java.time.Duration.ofSeconds(5), () -> r.text(evil));

        assertThat(out).isEqualTo("[redacted:unchecked]");
        assertThat(meters.get("aof.logger.redaction.failures").tag("pattern", "slow").counter().count())
                .isEqualTo(1);
        assertThat(r.text("fine text")).isEqualTo("fine text");   // other texts go on
        JsonNode tree = r.tree(json("{\"jobId\":\"j-1\",\"error\":\"" + evil + "\"}"));
        assertThat(tree.toString()).isEqualTo("{\"jobId\":\"j-1\",\"error\":\"[redacted:unchecked]\"}");
    }

    @Test
    void aLongTextIsRedactedInLinearTime() {
        Redactor r = all();
        String big = ("x".repeat(300) + " 4111 1111 1111 1111 ann@example.com DE89370400440532013000 ").repeat(200)
                + "y".repeat(100_000) + "@" + "1".repeat(100_000);
        String out = assertTimeoutPreemptively(java.time.Duration.ofSeconds(5), () -> r.text(big));
        assertThat(out).doesNotContain("ann@example.com", "4111 1111", "DE8937", "unchecked");
        assertThat(redactions("card")).isEqualTo(200);
    }

    @Test
    void offByDefaultNothingChanges() {
        Redactor r = new Redactor(new RedactionProperties(false, List.of(), List.of()), meters);
        JsonNode in = json("{\"error\":\"a@b.io 4111111111111111\"}");
        assertThat(r.enabled()).isFalse();
        assertThat(r.tree(in)).isSameAs(in);
        assertThat(r.text("a@b.io")).isEqualTo("a@b.io");
        assertThat(redactions("email")).isZero();   // still registered: the dashboard shows 0
        assertThat(redactions("iban")).isZero();
    }

    @Test
    void anInvalidConfigurationIsRefusedNamingTheKey() {
        assertThatThrownBy(() -> new RedactionProperties(true, List.of("phone"), List.of()))
                .hasMessageContaining("aof.logger.redaction.patterns").hasMessageContaining("phone");
        assertThatThrownBy(() -> new RedactionProperties(true, List.of(),
                List.of(new RedactionProperties.Custom("email", "x"))))
                .hasMessageContaining("aof.logger.redaction.custom[0].name");
        assertThatThrownBy(() -> new RedactionProperties(true, List.of(),
                List.of(new RedactionProperties.Custom("a b", "x"))))
                .hasMessageContaining("aof.logger.redaction.custom[0].name");
    }

    @Configuration(proxyBeanMethods = false)
    @EnableConfigurationProperties(RedactionProperties.class)
    static class Props {
    }

    @Test
    void anInvalidCustomRegexStopsTheStartNamingTheProperty() {
        ApplicationContextRunner runner = new ApplicationContextRunner().withUserConfiguration(Props.class);
        runner.withPropertyValues("aof.logger.redaction.enabled=true", "aof.logger.redaction.custom[0].name=ok",
                "aof.logger.redaction.custom[0].regex=ORD-[0-9]+", "aof.logger.redaction.custom[1].name=broken",
                "aof.logger.redaction.custom[1].regex=ORD-([0-9]+").run(ctx -> {
                    assertThat(ctx).hasFailed();
                    StringBuilder messages = new StringBuilder();
                    for (Throwable t = ctx.getStartupFailure(); t != null; t = t.getCause()) {
                        messages.append(t.getMessage()).append('\n');
                    }
                    assertThat(messages.toString()).contains("aof.logger.redaction.custom[1].regex",
                            "not a valid Java regular expression");
                });
        runner.run(ctx -> {
            assertThat(ctx).hasNotFailed();
            RedactionProperties p = ctx.getBean(RedactionProperties.class);
            assertThat(p.enabled()).isFalse();
            assertThat(p.builtIns()).containsExactly("email", "iban", "card");
        });
    }

    @Test
    void theServiceBuildsItsRedactorFromTheSettingsAsAnOperatorWritesThem() {
        new ApplicationContextRunner().withUserConfiguration(Props.class)
                .withBean(SimpleMeterRegistry.class).withBean(Redactor.class)
                .withPropertyValues("aof.logger.redaction.enabled=true", "aof.logger.redaction.patterns=email, card",
                        "aof.logger.redaction.custom[0].name=ticket", "aof.logger.redaction.custom[0].regex=T-[0-9]+")
                .run(ctx -> {
                    assertThat(ctx).hasNotFailed();
                    Redactor r = ctx.getBean(Redactor.class);
                    assertThat(r.text("a@b.io DE89370400440532013000 T-42")).isEqualTo(
                            "[redacted:email] DE89370400440532013000 [redacted:ticket]");
                    SimpleMeterRegistry m = ctx.getBean(SimpleMeterRegistry.class);
                    assertThat(m.get("aof.logger.redactions").tag("pattern", "ticket").counter().count()).isEqualTo(1);
                    assertThat(m.get("aof.logger.redactions").tag("pattern", "iban").counter().count()).isZero();
                });
    }
}
