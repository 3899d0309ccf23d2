package io.aof.common.ops;

import org.springframework.http.HttpMethod;
import org.springframework.http.server.PathContainer;
import org.springframework.web.util.pattern.PathPattern;
import org.springframework.web.util.pattern.PathPatternParser;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The one table of who may call what, for every service: each service's filter chain is built from it
 * (first match wins), and what no rule names is refused. A new endpoint is refused until it gets a row here;
 * the end-to-end {@code EndpointAccessTest} walks every mapped endpoint of every service and fails on one
 * that has none.
 */
public final class AccessRules {

    /** What a caller must be to pass a rule. */
    public enum Access {
        /** Anyone: probes and the ops page's static shell (it holds no data; its data needs a viewer). */
        OPEN,
        /** Anyone at the filter: the webhook intake checks its own bearer token or HMAC signature. */
        WEBHOOK,
        VIEWER,
        OPERATOR,
        ADMIN,
        /** The scraper's credential, or an admin. */
        METRICS
    }

    /** Requests of {@code method} (any method when null) whose path matches {@code pattern}. */
    public record Rule(HttpMethod method, String pattern, Access access) {

        boolean matches(HttpMethod m, String path) {
            return (method == null || method.equals(m))
                    && parse(pattern).matches(PathContainer.parsePath(path));
        }
    }

    private static final HttpMethod GET = HttpMethod.GET;
    private static final HttpMethod POST = HttpMethod.POST;
    private static final HttpMethod DELETE = HttpMethod.DELETE;

    /** First match wins. */
    public static final List<Rule> RULES = List.copyOf(build());

    private static List<Rule> build() {
        List<Rule> r = new ArrayList<>();
        // probes and load balancers; details of health only with credentials (show-details: when-authorized)
        r.add(new Rule(GET, "/actuator/health", Access.OPEN));
        r.add(new Rule(GET, "/actuator/health/**", Access.OPEN));
        r.add(new Rule(GET, "/actuator/info", Access.OPEN));
        r.add(new Rule(GET, "/actuator/prometheus", Access.METRICS));
        r.add(new Rule(null, "/actuator/**", Access.ADMIN));
        // the error page a failed request is forwarded to: the status of a call that already passed its rule
        r.add(new Rule(null, "/error", Access.OPEN));
        r.add(new Rule(POST, "/api/webhooks/**", Access.WEBHOOK));
        // the ops page: its files are open (it asks who you are), what it shows is read with credentials
        // (sso.json: the sign-on provider's issuer and the page's public client id, needed before signing in)
        for (String file : List.of("/ops", "/ops/", "/ops/index.html", "/ops/ops.js", "/ops/ops.css",
                "/ops/sso.json")) {
            r.add(new Rule(GET, file, Access.OPEN));
        }
        r.add(new Rule(GET, "/ops/config.json", Access.VIEWER));
        // the API's description, and Swagger UI
        for (String docs : List.of("/v3/api-docs", "/v3/api-docs/**", "/v3/api-docs.yaml", "/swagger-ui.html",
                "/swagger-ui/**")) {
            r.add(new Rule(GET, docs, Access.VIEWER));
        }
        // operator actions (before the reads: /api/incidents/*/replay is not a read of /api/incidents/*)
        r.add(new Rule(POST, "/api/incidents/*/replay", Access.OPERATOR));
        r.add(new Rule(POST, "/api/incidents/*/resolve", Access.OPERATOR));
        r.add(new Rule(POST, "/api/incidents/bulk", Access.OPERATOR));
        r.add(new Rule(POST, "/api/suppressions", Access.OPERATOR));
        r.add(new Rule(DELETE, "/api/suppressions/*", Access.OPERATOR));
        r.add(new Rule(POST, "/api/escalations/*/ack", Access.OPERATOR));
        r.add(new Rule(POST, "/api/escalations/bulk-ack", Access.OPERATOR));
        r.add(new Rule(POST, "/api/outages", Access.OPERATOR));
        r.add(new Rule(POST, "/api/outages/*/end", Access.OPERATOR));
        r.add(new Rule(POST, "/api/dead-letters/redrive", Access.OPERATOR));
        r.add(new Rule(POST, "/api/notifications/failed/retry", Access.OPERATOR));
        // a what-if of the policies: changes nothing and tells no more than GET /api/policies (body capped)
        r.add(new Rule(POST, "/api/policies/dry-run", Access.VIEWER));
        // reads
        for (String read : List.of(
                "/api/incidents", "/api/incidents/hourly", "/api/incidents/summary", "/api/incidents/*",
                "/api/incidents/*/timeline", "/api/jobs/*/history",                       // orchestrator, logger
                "/api/events", "/api/events.csv", "/api/reports", "/api/reports.csv", "/api/dead-letters", // logger
                "/api/audit", "/api/audit.csv",                                           // logger
                "/api/digests/*", "/api/storms", "/api/storms/*",                         // notifier
                "/api/escalations", "/api/notifications/failed",
                "/api/policies", "/api/suppressions", "/api/outages", "/api/outages/*")) { // orchestrator
            r.add(new Rule(GET, read, Access.VIEWER));
        }
        return r;
    }

    /** The rule that decides a request, if any (none: refused). */
    public static Optional<Rule> ruleFor(HttpMethod method, String path) {
        return RULES.stream().filter(rule -> rule.matches(method, path)).findFirst();
    }

    private static PathPattern parse(String pattern) {
        return PathPatternParser.defaultInstance.parse(pattern);
    }

    private AccessRules() {
    }
}
