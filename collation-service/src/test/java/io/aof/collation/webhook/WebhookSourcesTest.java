package io.aof.collation.webhook;

import io.aof.collation.CollationProperties;
import io.aof.collation.triage.FailureCollector;
import io.aof.common.messaging.AofProperties;
import io.aof.common.ops.Signature;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.webmvc.test.autoconfigure.WebMvcTest;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.http.MediaType;
import org.springframework.mock.web.MockHttpServletResponse;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.bean.override.mockito.MockitoBean;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.request.MockHttpServletRequestBuilder;
import org.springframework.transaction.support.TransactionTemplate;

import java.nio.charset.StandardCharsets;
import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.Mockito.when;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;

/**
 * Several named webhook sources: each authenticates with its own tokens or HMAC
 * secrets (two at once during a rotation), each has its own per-minute budget,
 * and a request that fails authentication spends no source's budget; an address
 * that keeps sending wrong credentials is cut off without HMACs being computed
 * for it, while a valid token from it still passes.
 */
@DirtiesContext(classMode = DirtiesContext.ClassMode.AFTER_EACH_TEST_METHOD)   // fresh budgets for each test
@WebMvcTest(controllers = WebhookController.class, properties = {
        "aof.collation.webhook.token=legacy-token",
        "aof.collation.webhook.sources[0].name=team-a",
        "aof.collation.webhook.sources[0].tokens[0]=team-a-old-token",
        "aof.collation.webhook.sources[0].tokens[1]=team-a-new-token",
        "aof.collation.webhook.sources[0].per-minute=3",
        "aof.collation.webhook.sources[1].name=team-b",
        "aof.collation.webhook.sources[1].hmac-secrets[0]=team-b-old-secret",
        "aof.collation.webhook.sources[1].hmac-secrets[1]=team-b-new-secret",
        "aof.collation.webhook.sources[1].per-minute=3",
        "aof.collation.webhook.refused-per-address-per-minute=10",
        "spring.mvc.problemdetails.enabled=true"})
class WebhookSourcesTest {

    static final String URL = "/api/webhooks/job-failures";

    @SpringBootConfiguration
    @EnableAutoConfiguration
    @EnableConfigurationProperties({CollationProperties.class, AofProperties.class})
    @Import(WebhookController.class)
    static class Slice {
        @Bean
        MeterRegistry meterRegistry() {
            return new SimpleMeterRegistry();
        }

        @Bean
        java.time.Clock clock() {
            return java.time.Clock.systemUTC();
        }
    }

    @Autowired
    MockMvc mvc;

    @Autowired
    MeterRegistry meters;

    @MockitoBean
    FailureCollector collector;

    @MockitoBean
    WebhookPendingStore pending;

    @MockitoBean
    TransactionTemplate tx;

    String address = "10.0.0.1";
    int job;

    @BeforeEach
    void newFailures() {
        when(tx.execute(any())).thenReturn(true);   // every failure is new: 202
    }

    @Test
    void eachSourceAuthenticatesWithItsOwnCredentialAndIsNamedInTheAnswer() throws Exception {
        MockHttpServletResponse a = send(bearer("team-a-old-token"));
        MockHttpServletResponse b = send(signed("team-b-old-secret"));
        MockHttpServletResponse legacy = send(bearer("legacy-token"));

        assertThat(a.getStatus()).isEqualTo(202);
        assertThat(a.getContentAsString()).contains("\"source\":\"team-a\"");
        assertThat(b.getStatus()).isEqualTo(202);
        assertThat(b.getContentAsString()).contains("\"source\":\"team-b\"");
        assertThat(legacy.getStatus()).isEqualTo(202);
        assertThat(legacy.getContentAsString()).contains("\"source\":\"default\"");
        assertThat(meters.find("aof.webhook.requests").tag("source", "team-b").tag("outcome", "accepted").counter())
                .isNotNull();
    }

    @Test
    void duringARotationBothTokensAndBothHmacSecretsOfASourceAreValid() throws Exception {
        assertThat(send(bearer("team-a-new-token")).getStatus()).isEqualTo(202);
        assertThat(send(signed("team-b-new-secret")).getStatus()).isEqualTo(202);
        MockHttpServletResponse crossed = send(signed("team-a-old-token"));   // a token is no HMAC key
        assertThat(crossed.getStatus()).isEqualTo(401);
    }

    @Test
    void aSourceOverItsBudgetGets429WhileTheOtherIsStillAccepted() throws Exception {
        for (int i = 0; i < 3; i++) {
            assertThat(send(bearer(i % 2 == 0 ? "team-a-old-token" : "team-a-new-token")).getStatus()).isEqualTo(202);
        }
        MockHttpServletResponse last = send(bearer("team-a-new-token"));   // both tokens spend one budget
        assertThat(last.getStatus()).isEqualTo(429);
        assertThat(last.getHeader("Retry-After")).isEqualTo("60");
        assertThat(last.getContentAsString()).contains("team-a").doesNotContain("token");
        assertThat(send(signed("team-b-old-secret")).getStatus()).isEqualTo(202);
        assertThat(send(bearer("legacy-token")).getStatus()).isEqualTo(202);
        assertThat(meters.find("aof.webhook.requests").tag("source", "team-a").tag("outcome", "429").counter())
                .isNotNull();
    }

    @Test
    void wrongCredentialsGet401AndSpendNoSourcesBudget() throws Exception {
        for (int i = 0; i < 8; i++) {
            MockHttpServletResponse r = send(switch (i % 4) {
                case 0 -> bearer("not-a-token");
                case 1 -> signed("not-a-secret");
                case 2 -> post(URL).contentType(MediaType.APPLICATION_JSON).content(body());   // no credentials
                default -> bearer("team-a-old-token" + "x");
            });
            assertThat(r.getStatus()).as("request %d", i).isEqualTo(401);
            assertThat(r.getContentAsString()).doesNotContain("team-a", "team-b", "secret-", "-token");
        }
        assertThat(meters.find("aof.webhook.requests").tag("source", "none").tag("outcome", "401").counter().count())
                .isEqualTo(8);
        // both sources' budgets (3 each) are whole
        for (int i = 0; i < 3; i++) {
            assertThat(send(bearer("team-a-old-token")).getStatus()).as("team-a #%d", i).isEqualTo(202);
            assertThat(send(signed("team-b-old-secret")).getStatus()).as("team-b #%d", i).isEqualTo(202);
        }
        assertThat(send(bearer("team-a-old-token")).getStatus()).isEqualTo(429);
    }

    @Test
    void anAddressSprayingWrongCredentialsGets429ButValidCredentialsFromItStillPass() throws Exception {
        int refused = 0;
        MockHttpServletResponse last = null;
        for (int i = 0; i < 30; i++) {
            last = send(signed("guessed-secret-" + i));
            if (last.getStatus() == 429) {
                break;
            }
            assertThat(last.getStatus()).isEqualTo(401);
            refused++;
        }
        assertThat(last.getStatus()).isEqualTo(429);
        assertThat(refused).isEqualTo(10);   // refused-per-address-per-minute
        assertThat(last.getHeader("Retry-After")).isEqualTo("60");
        // valid credentials from that address still pass, a token and a signature alike: the address may be a
        // proxy's or Workato's shared egress, and refusing them would let anyone lock a source out
        assertThat(send(bearer("legacy-token")).getStatus()).isEqualTo(202);
        assertThat(send(signed("team-b-new-secret")).getStatus()).isEqualTo(202);
        assertThat(send(signed("guessed-secret-again")).getStatus()).isEqualTo(429);
        // another address is not affected
        address = "192.168.77.1";
        assertThat(send(bearer("not-a-token")).getStatus()).isEqualTo(401);
    }

    // ---- requests ----------------------------------------------------------------------------------------------

    MockHttpServletResponse send(MockHttpServletRequestBuilder request) throws Exception {
        String from = address;
        return mvc.perform(request.with(r -> {
            r.setRemoteAddr(from);
            return r;
        })).andReturn().getResponse();
    }

    String body() {
        return "{\"recipe_id\": 12, \"job_id\": \"j-src-" + (job++) + "\", \"error\": \"500 boom\"}";
    }

    MockHttpServletRequestBuilder bearer(String token) {
        return post(URL).contentType(MediaType.APPLICATION_JSON).header("Authorization", "Bearer " + token)
                .content(body());
    }

    MockHttpServletRequestBuilder signed(String secret) {
        String body = body();
        String now = String.valueOf(Instant.now().getEpochSecond());
        return post(URL).contentType(MediaType.APPLICATION_JSON).header("X-AOF-Timestamp", now)
                .header("X-AOF-Signature", Signature.of(secret, now, body.getBytes(StandardCharsets.UTF_8)))
                .content(body);
    }
}
