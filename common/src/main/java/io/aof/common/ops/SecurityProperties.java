package io.aof.common.ops;

import jakarta.validation.Valid;
import jakarta.validation.constraints.AssertTrue;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotEmpty;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

import java.net.URI;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * {@code aof.security.*}: who may sign in, and from where a browser may call. Two kinds of identity, both at once
 * if configured: local users with BCrypt hashes (HTTP Basic; the local run and small teams), and single sign-on
 * (JWT bearer tokens of any OIDC provider; enabled when {@code jwt.issuer-uri} or {@code jwt.jwk-set-uri} is set).
 * The legacy {@code aof.ops.user}/{@code AOF_OPS_PASSWORD} stays a local admin (see {@link OpsProperties}).
 *
 * @param users local users
 * @param jwt   single sign-on
 * @param cors  origins whose pages may call this service's API (none by default)
 */
@Validated
@ConfigurationProperties("aof.security")
public record SecurityProperties(@DefaultValue @Valid List<@NotNull @Valid LocalUser> users,
                                 @DefaultValue @Valid @NotNull Jwt jwt,
                                 @DefaultValue @Valid @NotNull Cors cors) {

    /** BCrypt ({@code $2a$}, {@code $2b$} or {@code $2y$}, cost, 53 characters of salt and hash). */
    static final String BCRYPT = "^(\\{bcrypt})?\\$2[aby]?\\$\\d{2}\\$[./A-Za-z0-9]{53}$";

    /**
     * One local user.
     *
     * @param name         the user name (also the actor recorded for what the user does)
     * @param passwordHash a BCrypt hash of the password ({@code htpasswd -bnBC 10 "" PASSWORD | tr -d ':\n'})
     * @param roles        {@code viewer}, {@code operator}, {@code admin} or {@code metrics}
     */
    public record LocalUser(@NotBlank @Pattern(regexp = "[A-Za-z0-9._@+-]{1,100}",
                                    message = "must be 1 to 100 letters, digits or ._@+-") String name,
                            @NotBlank String passwordHash,
                            @NotEmpty Set<@NotNull Role> roles) {

        /**
         * Checked here rather than by bean validation, whose report would print the rejected value: what is
         * given instead of a hash is often the password itself.
         */
        public LocalUser {
            if (passwordHash != null && !passwordHash.isBlank() && !passwordHash.matches(BCRYPT)) {
                throw new IllegalArgumentException("the password-hash of aof.security user '" + name + "' must be a "
                        + "BCrypt hash ($2a$, $2b$ or $2y$), e.g. from htpasswd -bnBC 10 \"\" PASSWORD or ./aof "
                        + "hash-password; what was given is not shown (it may be a password)");
            }
        }

        @Override
        public String toString() {
            return "LocalUser[name=" + name + ", roles=" + roles + "]";
        }
    }

    /**
     * Single sign-on with JWT bearer tokens.
     *
     * @param issuerUri  the provider's issuer; tokens must carry it as {@code iss}; its keys are found by OIDC
     *                   discovery (on the first token) unless {@code jwk-set-uri} is given
     * @param jwkSetUri  where the provider's signing keys are; skips discovery
     * @param audiences  a token must name one of these in {@code aud} (required: a token meant for another
     *                   application of the same provider is refused)
     * @param rolesClaim the claim holding the roles (a list or a space-separated string; a dotted path such as
     *                   {@code realm_access.roles} reaches into an object)
     * @param nameClaim  the claim naming the actor (falls back to {@code sub})
     */
    public record Jwt(URI issuerUri, URI jwkSetUri, @DefaultValue List<@NotBlank String> audiences,
                      @DefaultValue("roles") @NotBlank String rolesClaim,
                      @DefaultValue("preferred_username") @NotBlank String nameClaim) {

        public boolean enabled() {
            return issuerUri != null || jwkSetUri != null;
        }

        @AssertTrue(message = "aof.security.jwt.audiences must name at least one audience when single sign-on is "
                + "on (issuer-uri or jwk-set-uri set): without it a token issued for any other application of the "
                + "provider would be accepted")
        boolean isAudienceGivenWhenEnabled() {
            return !enabled() || !audiences.isEmpty();
        }

        @AssertTrue(message = "aof.security.jwt.issuer-uri and jwk-set-uri must be absolute http(s) URIs")
        boolean isHttp() {
            return (issuerUri == null || http(issuerUri)) && (jwkSetUri == null || http(jwkSetUri));
        }

        private static boolean http(URI uri) {
            return uri.isAbsolute() && ("https".equals(uri.getScheme()) || "http".equals(uri.getScheme()))
                    && uri.getHost() != null;
        }
    }

    /**
     * Cross-origin calls from browsers.
     *
     * @param allowedOrigins origins (or patterns such as {@code http://localhost:[*]}) whose pages may call the
     *                       API with credentials; empty: none (the ops page is same-origin)
     */
    public record Cors(@DefaultValue List<@NotBlank String> allowedOrigins) {

        @AssertTrue(message = "aof.security.cors.allowed-origins must name origins, not '*': the API answers with "
                + "data to credentials, so any page could read it")
        boolean isNotWildcard() {
            return allowedOrigins.stream().noneMatch(o -> o.trim().equals("*"));
        }
    }

    @AssertTrue(message = "aof.security.users: each name at most once")
    boolean isEachNameOnce() {
        Set<String> names = new HashSet<>();
        return users.stream().allMatch(u -> u == null || u.name() == null || names.add(u.name()));
    }
}
