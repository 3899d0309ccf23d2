package io.aof.simulator;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import jakarta.servlet.http.HttpServletRequest;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.util.HtmlUtils;
import org.springframework.web.util.UriComponentsBuilder;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A fake OIDC provider speaking the parts of OpenID Connect a browser app with a public client uses: discovery
 * ({@code /oidc/.well-known/openid-configuration}), the authorization endpoint (a form asking for a user name,
 * then a redirect with a one-time code), the token endpoint (authorization code with PKCE S256 only: the code
 * verifier must hash to the challenge sent before), and the JWK set the tokens are signed with (RS256, a key
 * made at start). Access tokens carry {@code iss}, {@code aud}, {@code sub}, {@code preferred_username},
 * {@code roles}, {@code exp}. The token endpoint answers any origin (CORS), as providers do for the web
 * origins of a public client.
 */
@RestController
@RequestMapping("/oidc")
class OidcProviderController {

    private record Grant(String user, String clientId, String redirectUri, String challenge, Instant expires) {
    }

    private final SimulatorProperties.Oidc props;
    private final RSAKey key;
    private final Map<String, Grant> codes = new ConcurrentHashMap<>();
    private final SecureRandom random = new SecureRandom();

    OidcProviderController(SimulatorProperties props) throws JOSEException {
        this.props = props.oidc();
        this.key = new RSAKeyGenerator(2048).keyID("sim-" + UUID.randomUUID()).generate();
    }

    private static String issuer(HttpServletRequest request) {
        return UriComponentsBuilder.fromUriString(request.getRequestURL().toString()).replacePath("/oidc")
                .replaceQuery(null).build().toUriString();
    }

    @GetMapping("/.well-known/openid-configuration")
    ResponseEntity<Map<String, Object>> discovery(HttpServletRequest request) {
        String issuer = issuer(request);
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("issuer", issuer);
        d.put("authorization_endpoint", issuer + "/authorize");
        d.put("token_endpoint", issuer + "/token");
        d.put("jwks_uri", issuer + "/jwks");
        d.put("response_types_supported", List.of("code"));
        d.put("grant_types_supported", List.of("authorization_code"));
        d.put("subject_types_supported", List.of("public"));
        d.put("id_token_signing_alg_values_supported", List.of("RS256"));
        d.put("code_challenge_methods_supported", List.of("S256"));
        d.put("token_endpoint_auth_methods_supported", List.of("none"));
        return cors(ResponseEntity.ok()).body(d);
    }

    @GetMapping("/jwks")
    Map<String, Object> jwks() {
        return new JWKSet(key.toPublicJWK()).toJSONObject();
    }

    /** The sign-in form: a user name, the request's parameters carried along. */
    @GetMapping(path = "/authorize", produces = MediaType.TEXT_HTML_VALUE)
    ResponseEntity<String> authorizeForm(@RequestParam Map<String, String> query) {
        String refused = refusal(query);
        if (refused != null) {
            return ResponseEntity.badRequest().contentType(MediaType.TEXT_PLAIN).body(refused);
        }
        StringBuilder hidden = new StringBuilder();
        for (String name : List.of("client_id", "redirect_uri", "state", "code_challenge", "code_challenge_method",
                "scope", "response_type")) {
            if (query.get(name) != null) {
                hidden.append("<input type=\"hidden\" name=\"").append(name).append("\" value=\"")
                        .append(HtmlUtils.htmlEscape(query.get(name))).append("\">");
            }
        }
        return ResponseEntity.ok().contentType(MediaType.TEXT_HTML).body("<!doctype html><html><head><title>"
                + "Simulator sign-on</title></head><body><h1>Simulator sign-on</h1><form method=\"post\" "
                + "action=\"authorize\">" + hidden + "<label>User <input id=\"username\" name=\"username\" "
                + "autofocus></label> <button id=\"kc-login\" type=\"submit\">Sign in</button></form>"
                + "<p>Users: " + HtmlUtils.htmlEscape(String.join(", ", props.users().keySet())) + "</p></body></html>");
    }

    @PostMapping(path = "/authorize", consumes = MediaType.APPLICATION_FORM_URLENCODED_VALUE)
    ResponseEntity<String> authorize(@RequestParam Map<String, String> form) {
        String refused = refusal(form);
        if (refused != null) {
            return ResponseEntity.badRequest().contentType(MediaType.TEXT_PLAIN).body(refused);
        }
        String user = form.getOrDefault("username", "").trim();
        if (!props.users().containsKey(user)) {
            return ResponseEntity.status(HttpStatus.UNAUTHORIZED).contentType(MediaType.TEXT_PLAIN)
                    .body("unknown user '" + user + "'");
        }
        byte[] bytes = new byte[24];
        random.nextBytes(bytes);
        String code = Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
        codes.put(code, new Grant(user, form.get("client_id"), form.get("redirect_uri"), form.get("code_challenge"),
                Instant.now().plusSeconds(60)));
        String location = UriComponentsBuilder.fromUriString(form.get("redirect_uri")).queryParam("code", code)
                .queryParam("state", form.get("state")).encode().build().toUriString();
        return ResponseEntity.status(HttpStatus.FOUND).header(HttpHeaders.LOCATION, location).build();
    }

    /** Why an authorization request is refused, or null: the client, a redirect, PKCE S256 are required. */
    private String refusal(Map<String, String> p) {
        if (!props.clientId().equals(p.get("client_id"))) {
            return "unknown client_id";
        }
        if (p.get("redirect_uri") == null || !p.get("redirect_uri").startsWith("http")) {
            return "redirect_uri is required";
        }
        if (p.get("code_challenge") == null || !"S256".equals(p.get("code_challenge_method"))) {
            return "PKCE with code_challenge_method S256 is required";
        }
        return null;
    }

    @PostMapping(path = "/token", consumes = MediaType.APPLICATION_FORM_URLENCODED_VALUE)
    ResponseEntity<Map<String, Object>> token(@RequestParam Map<String, String> form) throws JOSEException {
        Grant grant = form.get("code") == null ? null : codes.remove(form.get("code"));   // once only
        if (!"authorization_code".equals(form.get("grant_type")) || grant == null
                || grant.expires().isBefore(Instant.now()) || !grant.clientId().equals(form.get("client_id"))
                || !grant.redirectUri().equals(form.get("redirect_uri"))
                || !grant.challenge().equals(s256(form.getOrDefault("code_verifier", "")))) {
            return cors(ResponseEntity.badRequest()).body(Map.of("error", "invalid_grant"));
        }
        return cors(ResponseEntity.ok()).body(Map.of("access_token", mint(grant.user()), "token_type", "Bearer",
                "expires_in", props.tokenLifetime().toSeconds()));
    }

    private String mint(String user) throws JOSEException {
        Instant now = Instant.now();
        JWTClaimsSet claims = new JWTClaimsSet.Builder()
                .issuer(issuer(currentRequest()))
                .audience(props.audience())
                .subject("sim-" + user)
                .claim("preferred_username", user)
                .claim("roles", props.users().get(user))
                .issueTime(Date.from(now))
                .expirationTime(Date.from(now.plus(props.tokenLifetime())))
                .jwtID(UUID.randomUUID().toString())
                .build();
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID(key.getKeyID()).build(), claims);
        jwt.sign(new RSASSASigner(key));
        return jwt.serialize();
    }

    private static HttpServletRequest currentRequest() {
        return ((org.springframework.web.context.request.ServletRequestAttributes)
                org.springframework.web.context.request.RequestContextHolder.currentRequestAttributes()).getRequest();
    }

    private static String s256(String verifier) {
        try {
            return Base64.getUrlEncoder().withoutPadding().encodeToString(MessageDigest.getInstance("SHA-256")
                    .digest(verifier.getBytes(StandardCharsets.US_ASCII)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static ResponseEntity.BodyBuilder cors(ResponseEntity.BodyBuilder b) {
        return b.header(HttpHeaders.ACCESS_CONTROL_ALLOW_ORIGIN, "*");
    }
}
