package io.aof.common.ops;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.HttpMethod;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.config.http.SessionCreationPolicy;
import org.springframework.security.core.userdetails.User;
import org.springframework.security.core.userdetails.UserDetailsService;
import org.springframework.security.crypto.factory.PasswordEncoderFactories;
import org.springframework.security.crypto.password.PasswordEncoder;
import org.springframework.security.provisioning.InMemoryUserDetailsManager;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.web.cors.CorsConfiguration;

import java.util.UUID;

/**
 * Who may do what on every service: {@code /actuator/health} and
 * {@code /actuator/info} are open (probes, load balancers); the rest of Actuator
 * (metrics, Prometheus, env, configprops, ...) and every changing call of the
 * REST API (POST, PUT, PATCH, DELETE; replay, resolve, suppress, acknowledge)
 * need the operator's credentials (HTTP Basic, {@code aof.ops.*}). Reading the
 * API stays open, as does the webhook intake, which has its own token or
 * signature.
 */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(OpsProperties.class)
public class AofSecurityConfiguration {

    private static final Logger log = LoggerFactory.getLogger(AofSecurityConfiguration.class);

    @Bean
    SecurityFilterChain aofSecurity(HttpSecurity http) throws Exception {
        http.authorizeHttpRequests(a -> a
                        .requestMatchers("/actuator/health", "/actuator/health/**", "/actuator/info").permitAll()
                        .requestMatchers("/actuator/**").hasRole("OPS")
                        .requestMatchers("/api/webhooks/**").permitAll()
                        // what-if of a policy: changes nothing
                        .requestMatchers(HttpMethod.POST, "/api/policies/dry-run").permitAll()
                        .requestMatchers(HttpMethod.GET, "/**").permitAll()
                        .requestMatchers(HttpMethod.HEAD, "/**").permitAll()
                        .requestMatchers(HttpMethod.OPTIONS, "/**").permitAll()
                        .anyRequest().hasRole("OPS"))
                .httpBasic(b -> b.realmName("AOF"))
                // reads of the API are open anyway: any page (the ops page on another service) may make them
                .cors(c -> c.configurationSource(request -> {
                    if (!request.getRequestURI().startsWith("/api/")) {
                        return null;
                    }
                    CorsConfiguration cors = new CorsConfiguration();
                    cors.addAllowedOriginPattern("*");
                    cors.addAllowedMethod("GET");
                    cors.setAllowCredentials(false);
                    return cors;
                }))
                // an API for scripts and the ops page (Basic, no cookies): nothing for CSRF to ride on
                .csrf(c -> c.disable())
                .sessionManagement(s -> s.sessionCreationPolicy(SessionCreationPolicy.STATELESS));
        return http.build();
    }

    @Bean
    UserDetailsService aofOperator(OpsProperties props) {
        PasswordEncoder encoder = PasswordEncoderFactories.createDelegatingPasswordEncoder();
        String password = props.password();
        if (password.isEmpty()) {
            log.warn("AOF_OPS_PASSWORD (aof.ops.password) is not set: Actuator beyond health/info and the operator "
                    + "actions of the API are locked");
            password = UUID.randomUUID().toString();   // never told to anyone (BCrypt keeps at most 72 bytes)
        }
        return new InMemoryUserDetailsManager(User.withUsername(props.user()).password(encoder.encode(password))
                .roles("OPS").build());
    }
}
