package io.aof.e2e;

import io.aof.common.ops.AccessRules;
import org.junit.jupiter.api.Test;
import org.springframework.http.HttpMethod;
import org.springframework.web.bind.annotation.RequestMethod;
import org.springframework.web.servlet.mvc.method.RequestMappingInfo;
import org.springframework.web.servlet.mvc.method.annotation.RequestMappingHandlerMapping;

import java.net.URI;
import java.net.http.HttpRequest;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every endpoint every service maps, read from its {@link RequestMappingHandlerMapping}, against the access it is
 * meant to have (the table below, written from the roles, not from the code): a new endpoint fails this test until
 * it is given a rule in {@code AccessRules} and a row here. Then each is called as anonymous, viewer (vera),
 * operator (alice) and admin (ops), and the answers compared: 401 for no credentials, 403 for too small a role,
 * anything else (the handler's own 200, 400, 404 ...) for enough. Actuator (admin, metrics) is not mapped here
 * but by its own handler mapping: {@code OpsSurfaceTest} checks it.
 */
class EndpointAccessTest extends SuiteTest {

    enum Expected { OPEN, WEBHOOK, VIEWER, OPERATOR, ADMIN }

    /** METHOD pattern, as the services map them. */
    static final Map<String, Expected> EXPECTED = new LinkedHashMap<>();

    static {
        // every service
        EXPECTED.put("GET /error", Expected.OPEN);
        // collation
        EXPECTED.put("POST /api/webhooks/job-failures", Expected.WEBHOOK);
        // orchestrator
        EXPECTED.put("GET /api/incidents", Expected.VIEWER);
        EXPECTED.put("GET /api/incidents/{id}", Expected.VIEWER);
        EXPECTED.put("GET /api/incidents/hourly", Expected.VIEWER);
        EXPECTED.put("GET /api/incidents/summary", Expected.VIEWER);
        EXPECTED.put("POST /api/incidents/{id}/replay", Expected.OPERATOR);
        EXPECTED.put("POST /api/incidents/{id}/resolve", Expected.OPERATOR);
        EXPECTED.put("POST /api/suppressions", Expected.OPERATOR);
        EXPECTED.put("GET /api/suppressions", Expected.VIEWER);
        EXPECTED.put("DELETE /api/suppressions/{recipeId}", Expected.OPERATOR);
        EXPECTED.put("POST /api/incidents/bulk", Expected.OPERATOR);
        EXPECTED.put("GET /api/outages", Expected.VIEWER);
        EXPECTED.put("GET /api/outages/{id}", Expected.VIEWER);
        EXPECTED.put("POST /api/outages", Expected.OPERATOR);
        EXPECTED.put("POST /api/outages/{id}/end", Expected.OPERATOR);
        EXPECTED.put("GET /api/policies", Expected.VIEWER);
        EXPECTED.put("POST /api/policies/dry-run", Expected.VIEWER);
        EXPECTED.put("GET /ops/config.json", Expected.VIEWER);
        EXPECTED.put("GET /ops", Expected.OPEN);
        EXPECTED.put("GET /ops/sso.json", Expected.OPEN);
        EXPECTED.put("GET /ops/", Expected.OPEN);
        EXPECTED.put("GET /v3/api-docs", Expected.VIEWER);
        EXPECTED.put("GET /v3/api-docs.yaml", Expected.VIEWER);
        EXPECTED.put("GET /v3/api-docs/swagger-config", Expected.VIEWER);
        EXPECTED.put("GET /swagger-ui.html", Expected.VIEWER);
        // notifier
        EXPECTED.put("GET /api/digests/{id}", Expected.VIEWER);
        EXPECTED.put("GET /api/storms", Expected.VIEWER);
        EXPECTED.put("GET /api/storms/{id}", Expected.VIEWER);
        EXPECTED.put("GET /api/escalations", Expected.VIEWER);
        EXPECTED.put("POST /api/escalations/{incidentId}/ack", Expected.OPERATOR);
        EXPECTED.put("POST /api/escalations/bulk-ack", Expected.OPERATOR);
        EXPECTED.put("GET /api/notifications/failed", Expected.VIEWER);
        EXPECTED.put("POST /api/notifications/failed/retry", Expected.OPERATOR);
        // logger
        EXPECTED.put("GET /api/incidents/{incidentId}/timeline", Expected.VIEWER);
        EXPECTED.put("GET /api/jobs/{jobId}/history", Expected.VIEWER);
        EXPECTED.put("GET /api/events", Expected.VIEWER);
        EXPECTED.put("GET /api/events.csv", Expected.VIEWER);
        EXPECTED.put("GET /api/reports", Expected.VIEWER);
        EXPECTED.put("GET /api/reports.csv", Expected.VIEWER);
        EXPECTED.put("GET /api/dead-letters", Expected.VIEWER);
        EXPECTED.put("GET /api/audit", Expected.VIEWER);
        EXPECTED.put("GET /api/audit.csv", Expected.VIEWER);
        EXPECTED.put("POST /api/dead-letters/redrive", Expected.OPERATOR);
    }

    @Test
    void everyMappedEndpointHasItsRuleAndEachRoleGetsWhatItMay() {
        List<String> missing = new ArrayList<>();
        List<String> wrong = new ArrayList<>();
        Set<String> seen = new TreeSet<>();
        for (String service : OpsSurfaceTest.SERVICES) {
            RequestMappingHandlerMapping mapping = suite.services.get(service)
                    .getBean("requestMappingHandlerMapping", RequestMappingHandlerMapping.class);
            for (RequestMappingInfo info : mapping.getHandlerMethods().keySet()) {
                Set<RequestMethod> methods = info.getMethodsCondition().getMethods();
                for (RequestMethod method : methods.isEmpty() ? Set.of(RequestMethod.GET) : methods) {
                    for (String pattern : info.getPatternValues()) {
                        String endpoint = method + " " + pattern;
                        seen.add(endpoint);
                        Expected expected = EXPECTED.get(endpoint);
                        if (expected == null) {
                            missing.add(service + ": " + endpoint);
                            continue;
                        }
                        String path = pattern.replaceAll("\\{[^}]+}", "1");
                        // the rule the services apply is the one meant
                        var rule = AccessRules.ruleFor(HttpMethod.valueOf(method.name()), path);
                        if (rule.isEmpty() || !rule.get().access().name().equals(expected.name())) {
                            wrong.add(service + ": " + endpoint + " has rule " + rule.map(Object::toString)
                                    .orElse("none (refused)") + ", meant " + expected);
                            continue;
                        }
                        if (expected != Expected.WEBHOOK) {   // its own token check is WebhookIntakeTest's
                            List<Integer> statuses = statuses(service, method.name(), path);
                            if (!allowed(expected, statuses)) {
                                wrong.add(service + ": " + endpoint + " answered " + statuses
                                        + " (anonymous, viewer, operator, admin), meant " + expected);
                            }
                        }
                    }
                }
            }
        }
        assertThat(missing).as("mapped endpoints with no expected access: give each a rule in AccessRules and a row"
                + " in EXPECTED").isEmpty();
        assertThat(wrong).isEmpty();
        // and no row stands for an endpoint nothing maps any more (a stale row would hide a renamed endpoint)
        assertThat(seen).as("endpoints the walk found").containsAll(EXPECTED.keySet());
    }

    /** 401 without credentials, 403 below the role, any other status at or above it. */
    static boolean allowed(Expected expected, List<Integer> s) {
        int anonymous = s.get(0);
        return switch (expected) {
            case OPEN -> s.stream().noneMatch(x -> x == 401 || x == 403);
            case VIEWER -> anonymous == 401 && passes(s.get(1)) && passes(s.get(2)) && passes(s.get(3));
            case OPERATOR -> anonymous == 401 && s.get(1) == 403 && passes(s.get(2)) && passes(s.get(3));
            case ADMIN -> anonymous == 401 && s.get(1) == 403 && s.get(2) == 403 && passes(s.get(3));
            case WEBHOOK -> true;
        };
    }

    private static boolean passes(int status) {
        return status != 401 && status != 403;
    }

    /** Anonymous, vera (viewer), alice (operator), ops (admin); changing calls with an empty body (a 400). */
    List<Integer> statuses(String service, String method, String path) {
        List<Integer> statuses = new ArrayList<>();
        for (String auth : new String[]{null, AofSuite.VERA_AUTH, AofSuite.ALICE_AUTH, Http.OPS_AUTH}) {
            HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(suite.url(service) + path))
                    .header("Content-Type", "application/json")
                    .method(method, method.equals("GET") ? HttpRequest.BodyPublishers.noBody()
                            : HttpRequest.BodyPublishers.ofString("{}"));
            if (auth != null) {
                b.header("Authorization", auth);
            }
            statuses.add(Http.sendAsIs(b.build()).status());
        }
        return statuses;
    }
}
