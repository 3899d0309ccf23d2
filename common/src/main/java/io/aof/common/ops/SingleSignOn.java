package io.aof.common.ops;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.core.convert.converter.Converter;
import org.springframework.security.authentication.AbstractAuthenticationToken;
import org.springframework.security.core.GrantedAuthority;
import org.springframework.security.core.authority.SimpleGrantedAuthority;
import org.springframework.security.oauth2.core.DelegatingOAuth2TokenValidator;
import org.springframework.security.oauth2.core.OAuth2Error;
import org.springframework.security.oauth2.core.OAuth2ErrorCodes;
import org.springframework.security.oauth2.core.OAuth2TokenValidator;
import org.springframework.security.oauth2.core.OAuth2TokenValidatorResult;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.security.oauth2.jwt.JwtDecoder;
import org.springframework.security.oauth2.jwt.JwtDecoders;
import org.springframework.security.oauth2.jwt.JwtValidators;
import org.springframework.security.oauth2.jwt.NimbusJwtDecoder;
import org.springframework.security.oauth2.jwt.SupplierJwtDecoder;
import org.springframework.security.oauth2.server.resource.authentication.JwtAuthenticationToken;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Single sign-on: bearer JWTs of an OIDC provider, checked for signature (the provider's published keys),
 * expiry, issuer and audience; the roles come from a configured claim, the actor's name from another.
 */
final class SingleSignOn {

    private static final Logger log = LoggerFactory.getLogger(SingleSignOn.class);

    static JwtDecoder decoder(SecurityProperties.Jwt jwt) {
        List<OAuth2TokenValidator<Jwt>> validators = new ArrayList<>();
        if (jwt.issuerUri() != null) {
            validators.add(JwtValidators.createDefaultWithIssuer(jwt.issuerUri().toString()));
        } else {
            log.warn("aof.security.jwt.issuer-uri is not set: tokens signed by the keys of {} are accepted from any "
                    + "issuer", jwt.jwkSetUri());
            validators.add(JwtValidators.createDefault());
        }
        List<String> audiences = jwt.audiences();
        validators.add(token -> token.getAudience() != null && token.getAudience().stream()
                .anyMatch(audiences::contains) ? OAuth2TokenValidatorResult.success()
                : OAuth2TokenValidatorResult.failure(new OAuth2Error(OAuth2ErrorCodes.INVALID_TOKEN,
                "The token is not meant for AOF: its aud names none of aof.security.jwt.audiences", null)));
        OAuth2TokenValidator<Jwt> validator = new DelegatingOAuth2TokenValidator<>(validators);
        if (jwt.jwkSetUri() != null) {
            NimbusJwtDecoder decoder = NimbusJwtDecoder.withJwkSetUri(jwt.jwkSetUri().toString()).build();
            decoder.setJwtValidator(validator);
            return decoder;
        }
        // discovery on the first token, not at start: a service starts while the provider is down
        String issuer = jwt.issuerUri().toString();
        return new SupplierJwtDecoder(() -> {
            NimbusJwtDecoder decoder = JwtDecoders.fromIssuerLocation(issuer);
            decoder.setJwtValidator(validator);
            return decoder;
        });
    }

    /** The token's roles (unknown ones ignored) and its actor. */
    static Converter<Jwt, AbstractAuthenticationToken> authentication(SecurityProperties.Jwt jwt) {
        return token -> {
            Set<GrantedAuthority> authorities = new LinkedHashSet<>();
            for (String value : values(claim(token.getClaims(), jwt.rolesClaim()))) {
                Role.parse(value).ifPresent(r -> authorities.add(new SimpleGrantedAuthority(r.authority())));
            }
            String name = token.getClaimAsString(jwt.nameClaim());
            return new JwtAuthenticationToken(token, authorities, name != null && !name.isBlank() ? name
                    : token.getSubject());
        };
    }

    /** A claim by a dotted path ({@code realm_access.roles}); a claim whose own name has dots is found first. */
    static Object claim(Map<String, Object> claims, String path) {
        if (claims.containsKey(path)) {
            return claims.get(path);
        }
        Object at = claims;
        for (String part : path.split("\\.")) {
            if (!(at instanceof Map<?, ?> map)) {
                return null;
            }
            at = map.get(part);
        }
        return at;
    }

    private static List<String> values(Object claim) {
        if (claim instanceof Collection<?> c) {
            return c.stream().filter(java.util.Objects::nonNull).map(Object::toString).toList();
        }
        if (claim instanceof String s) {
            return List.of(s.trim().split("[\\s,]+"));
        }
        return List.of();
    }

    private SingleSignOn() {
    }
}
