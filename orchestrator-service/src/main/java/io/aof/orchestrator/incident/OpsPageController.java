package io.aof.orchestrator.incident;

import io.aof.common.ops.Role;
import io.aof.common.ops.SecurityProperties;
import jakarta.validation.constraints.NotBlank;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.security.access.hierarchicalroles.RoleHierarchy;
import org.springframework.security.core.Authentication;
import org.springframework.validation.annotation.Validated;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.servlet.view.RedirectView;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The built-in ops page ({@code /ops/}, static files of this service): where the page finds the logger's
 * timeline API, whether the signed-in caller may act (so it offers no action the API would refuse), and how it
 * signs in with single sign-on.
 */
@RestController
@EnableConfigurationProperties(OpsPageController.OpsPageProperties.class)
class OpsPageController {

    /**
     * {@code aof.ops.*} of the ops page.
     *
     * @param loggerUrl   where the page reads timelines (the logger's API, as the browser reaches it)
     * @param notifierUrl where the page acknowledges escalations (the notifier's API, as the browser reaches it)
     * @param ssoClientId the ops page's client id at the single sign-on provider (a public client: authorization
     *                    code with PKCE, no secret; its redirect URI is {@code <this service>/ops/index.html}); with
     *                    {@code aof.security.jwt.issuer-uri} set, the page offers "Sign in with single sign-on"
     * @param ssoScope    the scopes the page asks for
     */
    @Validated
    @ConfigurationProperties("aof.ops")
    record OpsPageProperties(@DefaultValue("http://localhost:8085") @NotBlank String loggerUrl,
                             @DefaultValue("http://localhost:8084") @NotBlank String notifierUrl,
                             @DefaultValue("") String ssoClientId,
                             @DefaultValue("openid profile") @NotBlank String ssoScope) {
    }

    private final String loggerUrl;
    private final String notifierUrl;
    private final Map<String, Object> sso;
    private final RoleHierarchy roles;

    OpsPageController(OpsPageProperties page, SecurityProperties security, RoleHierarchy roles) {
        this.roles = roles;
        String url = page.loggerUrl();
        this.loggerUrl = url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
        String notifier = page.notifierUrl();
        this.notifierUrl = notifier.endsWith("/") ? notifier.substring(0, notifier.length() - 1) : notifier;
        Map<String, Object> s = new LinkedHashMap<>();
        boolean enabled = !page.ssoClientId().isBlank() && security.jwt().issuerUri() != null;
        s.put("enabled", enabled);
        if (enabled) {
            s.put("issuer", security.jwt().issuerUri().toString());
            s.put("clientId", page.ssoClientId());
            s.put("scope", page.ssoScope());
            s.put("nameClaim", security.jwt().nameClaim());
        }
        this.sso = Map.copyOf(s);
    }

    /**
     * For the signed-in caller (a viewer at least): the logger's and the notifier's URLs, and {@code operator}: whether the caller
     * holds the operator role (itself or through admin), so the page shows the operator actions it has (declare
     * and end outages) to operators only. A hint for the page, nothing more: the API checks every action itself.
     */
    @GetMapping("/ops/config.json")
    Map<String, Object> config(Authentication caller) {
        boolean operator = caller != null && roles.getReachableGrantedAuthorities(caller.getAuthorities()).stream()
                .anyMatch(a -> Role.OPERATOR.authority().equals(a.getAuthority()));
        return Map.of("loggerUrl", loggerUrl, "notifierUrl", notifierUrl, "operator", operator);
    }

    /**
     * Open, like the page's files: what the page needs before anyone signed in (the provider's issuer and the
     * page's public client id; nothing secret).
     */
    @GetMapping("/ops/sso.json")
    Map<String, Object> sso() {
        return sso;
    }

    @GetMapping({"/ops", "/ops/"})
    RedirectView page() {
        return new RedirectView("/ops/index.html");
    }
}
