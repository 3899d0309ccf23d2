package io.aof.common.ops;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.context.annotation.Import;
import org.springframework.security.config.annotation.web.configuration.EnableWebSecurity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

import java.security.Principal;
import java.util.Base64;

/**
 * A web slice of the shared security: {@link AofSecurityConfiguration} in front of a controller that stands for
 * the services' endpoints (the filter chain decides before any handler, so who answers does not matter) and
 * answers with the caller's name.
 */
@SpringBootConfiguration
@EnableWebSecurity
@Import({AofSecurityConfiguration.class, SecuritySlice.Endpoints.class})
class SecuritySlice {

    static final String VIEWER_PASSWORD = "viewer-pw";
    static final String OPERATOR_PASSWORD = "operator-pw";
    static final String ADMIN_PASSWORD = "admin-pw";
    static final String METRICS_PASSWORD = "metrics-pw";

    /** The settings of a service with one local user per role (BCrypt at cost 4: fast tests, same algorithm). */
    static String[] localUsers() {
        var bcrypt = new org.springframework.security.crypto.bcrypt.BCryptPasswordEncoder(4);
        String[][] users = {{"vera", VIEWER_PASSWORD, "viewer"}, {"otto", OPERATOR_PASSWORD, "operator"},
                {"ada", ADMIN_PASSWORD, "admin"}, {"prom", METRICS_PASSWORD, "metrics"}};
        String[] props = new String[users.length * 3];
        for (int i = 0; i < users.length; i++) {
            props[i * 3] = "aof.security.users[" + i + "].name=" + users[i][0];
            props[i * 3 + 1] = "aof.security.users[" + i + "].password-hash=" + bcrypt.encode(users[i][1]);
            props[i * 3 + 2] = "aof.security.users[" + i + "].roles=" + users[i][2];
        }
        return props;
    }

    static String basic(String user, String password) {
        return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes());
    }

    @RestController
    static class Endpoints {

        @RequestMapping({"/api/incidents", "/api/incidents/{id}", "/api/incidents/{id}/replay",
                "/api/policies/dry-run", "/api/webhooks/job-failures", "/api/not-in-the-table",
                "/actuator/health", "/actuator/info", "/actuator/prometheus", "/actuator/env", "/ops/config.json",
                "/ops/index.html", "/api/suppressions/{id}"})
        String who(Principal principal) {
            return principal == null ? "anonymous" : principal.getName();
        }

        @GetMapping("/api/events.csv")
        String csv() {
            return "a,b\n";
        }

        @PostMapping("/api/admin-only-example")
        String notMapped() {
            return "never";
        }
    }
}
