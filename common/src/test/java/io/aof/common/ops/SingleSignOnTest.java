package io.aof.common.ops;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.webmvc.test.autoconfigure.WebMvcTest;
import org.springframework.http.HttpMethod;
import org.springframework.test.context.ContextConfiguration;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.MvcResult;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Consumer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.request;

/**
 * Single sign-on: tokens minted here with a generated RSA key whose public half a local JWK endpoint publishes,
 * as an OIDC provider would. Valid, expired, from another issuer, for another audience, without roles, with a
 * tampered signature, and signed by a key the provider never published; local users keep working beside it.
 */
@WebMvcTest
@ContextConfiguration(classes = SecuritySlice.class)
class SingleSignOnTest {

    static final String ISSUER = "https://idp.example.test/realms/aof";
    static final String AUDIENCE = "aof-api";
    static final RSAKey KEY = generate();
    static final HttpServer JWKS = serve(new JWKSet(KEY.toPublicJWK()));

    @DynamicPropertySource
    static void sso(DynamicPropertyRegistry r) {
        r.add("aof.security.jwt.issuer-uri", () -> ISSUER);
        r.add("aof.security.jwt.jwk-set-uri", () -> "http://127.0.0.1:" + JWKS.getAddress().getPort() + "/jwks");
        r.add("aof.security.jwt.audiences", () -> AUDIENCE);
        r.add("aof.security.jwt.roles-claim", () -> "realm_access.roles");
        for (String p : SecuritySlice.localUsers()) {
            int eq = p.indexOf('=');
            r.add(p.substring(0, eq), () -> p.substring(eq + 1));
        }
    }

    @AfterAll
    static void stop() {
        JWKS.stop(0);
    }

    @Autowired
    MockMvc mvc;

    @Test
    void aValidTokenSignsInWithItsRolesAndItsName() throws Exception {
        String operator = mint(KEY, c -> c.claim("realm_access", Map.of("roles", List.of("operator", "other"))));
        MvcResult replay = call(HttpMethod.POST, "/api/incidents/x/replay", operator);
        assertThat(replay.getResponse().getStatus()).isEqualTo(200);
        assertThat(replay.getResponse().getContentAsString()).isEqualTo("olga");
        assertThat(call(HttpMethod.GET, "/api/incidents", operator).getResponse().getStatus()).isEqualTo(200);
        assertThat(call(HttpMethod.GET, "/actuator/env", operator).getResponse().getStatus()).isEqualTo(403);

        String viewer = mint(KEY, c -> c.claim("realm_access", Map.of("roles", List.of("VIEWER"))));
        assertThat(call(HttpMethod.GET, "/api/incidents", viewer).getResponse().getStatus()).isEqualTo(200);
        assertThat(call(HttpMethod.POST, "/api/incidents/x/replay", viewer).getResponse().getStatus())
                .isEqualTo(403);
    }

    @Test
    void withoutItsNameClaimTheActorIsTheSubject() throws Exception {
        String token = mint(KEY, c -> c.claim("preferred_username", null)
                .claim("realm_access", Map.of("roles", List.of("viewer"))));
        assertThat(call(HttpMethod.GET, "/api/incidents", token).getResponse().getContentAsString())
                .isEqualTo("user-42");
    }

    @Test
    void badTokensAreRefused() throws Exception {
        Consumer<JWTClaimsSet.Builder> admin = c -> c.claim("realm_access", Map.of("roles", List.of("admin")));
        String expired = mint(KEY, admin.andThen(c -> c.issueTime(Date.from(Instant.now().minusSeconds(7200)))
                .expirationTime(Date.from(Instant.now().minusSeconds(3600)))));
        String otherIssuer = mint(KEY, admin.andThen(c -> c.issuer("https://idp.example.test/realms/other")));
        String otherAudience = mint(KEY, admin.andThen(c -> c.audience("another-app")));
        String valid = mint(KEY, admin);
        String[] parts = valid.split("\\.");
        String tampered = parts[0] + "." + java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(
                new String(java.util.Base64.getUrlDecoder().decode(parts[1]), StandardCharsets.UTF_8)
                        .replace("\"sub\":\"user-42\"", "\"sub\":\"user-43\"").getBytes(StandardCharsets.UTF_8))
                + "." + parts[2];
        String unknownKey = mint(generate(), admin);

        assertThat(call(HttpMethod.GET, "/actuator/env", valid).getResponse().getStatus()).isEqualTo(200);
        for (String bad : List.of(expired, otherIssuer, otherAudience, tampered, unknownKey, "not-a-jwt")) {
            MvcResult r = call(HttpMethod.GET, "/api/incidents", bad);
            assertThat(r.getResponse().getStatus()).as(bad).isEqualTo(401);
            assertThat(r.getResponse().getHeader("WWW-Authenticate")).as(bad).contains("invalid_token");
        }
    }

    @Test
    void aTokenWithoutTheRoleClaimIsSignedInButMayDoNothing() throws Exception {
        String none = mint(KEY, c -> { });
        assertThat(call(HttpMethod.GET, "/api/incidents", none).getResponse().getStatus()).isEqualTo(403);
        assertThat(call(HttpMethod.GET, "/actuator/health", none).getResponse().getStatus()).isEqualTo(200);
    }

    @Test
    void theWebhookIntakesOwnBearerTokenIsNotTakenForASignOnToken() throws Exception {
        // a recipe's webhook token is not a JWT: the intake checks it itself, single sign-on must not refuse it
        MvcResult r = call(HttpMethod.POST, "/api/webhooks/job-failures", "a-webhook-token-not-a-jwt");
        assertThat(r.getResponse().getStatus()).isEqualTo(200);
        assertThat(r.getResponse().getContentAsString()).isEqualTo("anonymous");
        // elsewhere the same header is a bearer token like any other, and refused
        assertThat(call(HttpMethod.GET, "/api/incidents", "a-webhook-token-not-a-jwt").getResponse().getStatus())
                .isEqualTo(401);
    }

    @Test
    void localUsersWorkBesideSingleSignOn() throws Exception {
        MvcResult r = mvc.perform(request(HttpMethod.GET, "/api/incidents")
                .header("Authorization", SecuritySlice.basic("vera", SecuritySlice.VIEWER_PASSWORD))).andReturn();
        assertThat(r.getResponse().getStatus()).isEqualTo(200);
        assertThat(r.getResponse().getContentAsString()).isEqualTo("vera");
    }

    MvcResult call(HttpMethod method, String path, String token) throws Exception {
        return mvc.perform(request(method, path).header("Authorization", "Bearer " + token)).andReturn();
    }

    /** A token as the provider would issue it: valid for 5 minutes, for AOF, then changed by {@code change}. */
    static String mint(RSAKey key, Consumer<JWTClaimsSet.Builder> change) throws Exception {
        Instant now = Instant.now();
        JWTClaimsSet.Builder claims = new JWTClaimsSet.Builder().issuer(ISSUER).subject("user-42")
                .audience(List.of(AUDIENCE, "account")).issueTime(Date.from(now))
                .expirationTime(Date.from(now.plusSeconds(300))).jwtID(UUID.randomUUID().toString())
                .claim("preferred_username", "olga");
        change.accept(claims);
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID(key.getKeyID())
                .type(JOSEObjectType.JWT).build(), claims.build());
        jwt.sign(new RSASSASigner(key));
        return jwt.serialize();
    }

    static RSAKey generate() {
        try {
            return new RSAKeyGenerator(2048).keyID(UUID.randomUUID().toString()).generate();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static HttpServer serve(JWKSet keys) {
        try {
            HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
            byte[] body = keys.toString().getBytes(StandardCharsets.UTF_8);
            server.createContext("/jwks", exchange -> {
                exchange.getResponseHeaders().add("Content-Type", "application/json");
                exchange.sendResponseHeaders(200, body.length);
                exchange.getResponseBody().write(body);
                exchange.close();
            });
            server.start();
            return server;
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
