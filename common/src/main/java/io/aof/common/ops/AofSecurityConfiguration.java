package io.aof.common.ops;

import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.http.HttpMethod;
import org.springframework.security.oauth2.server.resource.web.BearerTokenResolver;
import org.springframework.security.oauth2.server.resource.web.DefaultBearerTokenResolver;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;
import org.springframework.security.access.hierarchicalroles.RoleHierarchy;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.config.http.SessionCreationPolicy;
import org.springframework.security.core.userdetails.UserDetailsService;
import org.springframework.security.crypto.password.PasswordEncoder;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.web.cors.CorsConfiguration;
import org.springframework.web.cors.CorsConfigurationSource;

import java.time.Duration;
import java.util.List;

/**
 * Who may do what on every service, from the one table {@link AccessRules}: health and info are open (probes,
 * load balancers), every read of the API needs a {@link Role#VIEWER}, the operator actions an
 * {@link Role#OPERATOR}, the rest of Actuator an {@link Role#ADMIN} (Prometheus also the {@link Role#METRICS}
 * scraper), the webhook intake checks its own token or signature, and what the table does not name is refused.
 * Identities: local users (HTTP Basic, {@link LocalUsers}) and, when configured, single sign-on (JWT bearer
 * tokens, {@link SingleSignOn}). No sessions, no cookies; browsers of other origins only where configured.
 */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties({OpsProperties.class, SecurityProperties.class})
@Import(DomainProblems.class)
public class AofSecurityConfiguration {

    @Bean
    SecurityFilterChain aofSecurity(HttpSecurity http, SecurityProperties security) throws Exception {
        http.authorizeHttpRequests(a -> {
                    for (AccessRules.Rule rule : AccessRules.RULES) {
                        var matched = rule.method() == null ? a.requestMatchers(rule.pattern())
                                : a.requestMatchers(rule.method(), rule.pattern());
                        Role role = role(rule.access());
                        if (role == null) {
                            matched.permitAll();
                        } else {
                            matched.hasRole(role.name());   // the RoleHierarchy bean below is applied by Spring
                        }
                    }
                    a.anyRequest().denyAll();
                })
                // scripts and the ops page; a call with X-Requested-With gets its 401 without a browser prompt
                .httpBasic(b -> b.realmName("AOF"))
                .cors(c -> c.configurationSource(cors(security.cors())))
                // no cookies and no sessions: credentials come with every call, so there is nothing for CSRF to ride
                .csrf(c -> c.disable())
                .sessionManagement(s -> s.sessionCreationPolicy(SessionCreationPolicy.STATELESS));
        if (security.jwt().enabled()) {
            http.oauth2ResourceServer(o -> o.bearerTokenResolver(notOnTheWebhookIntake())
                    .jwt(j -> j.decoder(SingleSignOn.decoder(security.jwt()))
                    .jwtAuthenticationConverter(SingleSignOn.authentication(security.jwt()))));
        }
        return http.build();
    }

    /**
     * Bearer tokens are sign-on tokens everywhere but on the webhook intake, whose bearer token is the recipes'
     * own credential, checked by the intake itself: taken for a JWT there, every webhook would get 401 as soon
     * as single sign-on is on.
     */
    static BearerTokenResolver notOnTheWebhookIntake() {
        DefaultBearerTokenResolver standard = new DefaultBearerTokenResolver();
        return request -> {
            String path = request.getRequestURI().substring(request.getContextPath().length());
            boolean intake = AccessRules.ruleFor(HttpMethod.valueOf(request.getMethod()), path)
                    .map(rule -> rule.access() == AccessRules.Access.WEBHOOK).orElse(false);
            return intake ? null : standard.resolve(request);
        };
    }

    /** The least role an access needs (with the hierarchy, every role above it passes too); null: anyone. */
    static Role role(AccessRules.Access access) {
        return switch (access) {
            case OPEN, WEBHOOK -> null;
            case VIEWER -> Role.VIEWER;
            case OPERATOR -> Role.OPERATOR;
            case ADMIN -> Role.ADMIN;
            case METRICS -> Role.METRICS;
        };
    }

    /** None unless {@code aof.security.cors.allowed-origins} names some, and then for the API only. */
    static CorsConfigurationSource cors(SecurityProperties.Cors props) {
        List<String> origins = props.allowedOrigins();
        return request -> {
            if (origins.isEmpty() || !request.getRequestURI().startsWith("/api/")) {
                return null;
            }
            CorsConfiguration cors = new CorsConfiguration();
            origins.forEach(o -> cors.addAllowedOriginPattern(o.trim()));
            cors.setAllowedMethods(List.of("GET", "POST", "DELETE"));
            cors.setAllowedHeaders(List.of("Authorization", "Content-Type", "X-Requested-With"));
            // credentials travel in the Authorization header, never in cookies
            cors.setAllowCredentials(false);
            cors.setMaxAge(Duration.ofMinutes(10));
            return cors;
        };
    }

    @Bean
    RoleHierarchy aofRoleHierarchy() {
        return Role.hierarchy();
    }

    @Bean
    UserDetailsService aofLocalUsers(SecurityProperties security, OpsProperties ops) {
        return LocalUsers.of(security, ops);
    }

    @Bean
    PasswordEncoder aofPasswordEncoder() {
        return LocalUsers.passwordEncoder();
    }
}
