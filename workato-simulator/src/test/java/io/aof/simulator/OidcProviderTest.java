package io.aof.simulator;

import com.nimbusds.jose.crypto.RSASSAVerifier;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jwt.SignedJWT;
import org.junit.jupiter.api.Test;
import org.springframework.http.MediaType;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.MvcResult;
import org.springframework.test.web.servlet.setup.MockMvcBuilders;
import org.springframework.web.util.UriComponentsBuilder;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;

/**
 * The simulator's sign-on provider keeps the rules a real one keeps, so the ops page's PKCE flow is tested
 * against something that refuses what a provider refuses: a wrong code verifier, a code used twice, another
 * redirect URI, no PKCE; and its tokens verify with its published keys.
 */
class OidcProviderTest {

    static final String REDIRECT = "http://localhost:8082/ops/index.html";
    static final String VERIFIER = "a-verifier-of-forty-three-characters-or-more-0123456789";
    final JsonMapper json = JsonMapper.builder().build();
    final MockMvc mvc;

    OidcProviderTest() throws Exception {
        SimulatorProperties props = new SimulatorProperties("", 60, 1, Duration.ofSeconds(2), 100, 0, 1001, "",
                new SimulatorProperties.Demo(false, Duration.ofSeconds(15), Duration.ofSeconds(20)), null, false,
                new SimulatorProperties.Oidc("aof", "aof-ops-page", Map.of("olga", List.of("operator")),
                        Duration.ofMinutes(15)));
        mvc = MockMvcBuilders.standaloneSetup(new OidcProviderController(props)).build();
    }

    static String s256(String v) throws Exception {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(MessageDigest.getInstance("SHA-256")
                .digest(v.getBytes(StandardCharsets.US_ASCII)));
    }

    String code(String challenge) throws Exception {
        MvcResult r = mvc.perform(post("/oidc/authorize").contentType(MediaType.APPLICATION_FORM_URLENCODED)
                .param("client_id", "aof-ops-page").param("redirect_uri", REDIRECT).param("state", "s1")
                .param("code_challenge", challenge).param("code_challenge_method", "S256")
                .param("username", "olga")).andReturn();
        assertThat(r.getResponse().getStatus()).isEqualTo(302);
        var q = UriComponentsBuilder.fromUriString(r.getResponse().getHeader("Location")).build().getQueryParams();
        assertThat(q.getFirst("state")).isEqualTo("s1");
        return q.getFirst("code");
    }

    MvcResult token(String code, String verifier, String redirect) throws Exception {
        return mvc.perform(post("/oidc/token").contentType(MediaType.APPLICATION_FORM_URLENCODED)
                .param("grant_type", "authorization_code").param("code", code).param("client_id", "aof-ops-page")
                .param("redirect_uri", redirect).param("code_verifier", verifier)).andReturn();
    }

    @Test
    void theCodeBuysOneTokenWithTheRightVerifierSignedByThePublishedKey() throws Exception {
        String code = code(s256(VERIFIER));
        MvcResult ok = token(code, VERIFIER, REDIRECT);
        assertThat(ok.getResponse().getStatus()).isEqualTo(200);
        assertThat(ok.getResponse().getHeader("Access-Control-Allow-Origin")).isEqualTo("*");
        SignedJWT jwt = SignedJWT.parse(json.readTree(ok.getResponse().getContentAsString()).get("access_token")
                .asString());
        JWKSet keys = JWKSet.parse(mvc.perform(get("/oidc/jwks")).andReturn().getResponse().getContentAsString());
        assertThat(jwt.verify(new RSASSAVerifier((RSAKey) keys.getKeys().get(0)))).isTrue();
        assertThat(jwt.getJWTClaimsSet().getAudience()).containsExactly("aof");
        assertThat(jwt.getJWTClaimsSet().getStringClaim("preferred_username")).isEqualTo("olga");
        assertThat(jwt.getJWTClaimsSet().getStringListClaim("roles")).containsExactly("operator");
        assertThat(jwt.getJWTClaimsSet().getIssuer()).isEqualTo("http://localhost/oidc");
        // once only
        assertThat(token(code, VERIFIER, REDIRECT).getResponse().getStatus()).isEqualTo(400);
    }

    @Test
    void refusesAWrongVerifierAnotherRedirectAnUnknownUserAndNoPkce() throws Exception {
        assertThat(token(code(s256(VERIFIER)), VERIFIER + "x", REDIRECT).getResponse().getStatus()).isEqualTo(400);
        assertThat(token(code(s256(VERIFIER)), VERIFIER, "http://evil.example/cb").getResponse().getStatus())
                .isEqualTo(400);
        assertThat(mvc.perform(post("/oidc/authorize").contentType(MediaType.APPLICATION_FORM_URLENCODED)
                .param("client_id", "aof-ops-page").param("redirect_uri", REDIRECT).param("code_challenge", "c")
                .param("code_challenge_method", "S256").param("username", "mallory")).andReturn().getResponse()
                .getStatus()).isEqualTo(401);
        assertThat(mvc.perform(get("/oidc/authorize").param("client_id", "aof-ops-page")
                .param("redirect_uri", REDIRECT)).andReturn().getResponse().getStatus()).isEqualTo(400);
        JsonNode discovery = json.readTree(mvc.perform(get("/oidc/.well-known/openid-configuration")).andReturn()
                .getResponse().getContentAsString());
        assertThat(discovery.get("code_challenge_methods_supported").get(0).asString()).isEqualTo("S256");
    }
}
