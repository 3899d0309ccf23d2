package io.aof.common.ops;

import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.webmvc.test.autoconfigure.WebMvcTest;
import org.springframework.http.HttpMethod;
import org.springframework.test.context.ContextConfiguration;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.MvcResult;
import org.springframework.test.web.servlet.request.MockHttpServletRequestBuilder;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.request;

/**
 * The shared rules with local users: anonymous, viewer, operator, admin and the metrics scraper against one
 * endpoint of each kind; the legacy {@code AOF_OPS_PASSWORD} is an admin; what the table does not name is refused.
 */
@WebMvcTest
@ContextConfiguration(classes = SecuritySlice.class)
class AofSecurityConfigurationTest {

    static final String OPS_PASSWORD = "legacy-ops-pw";

    @DynamicPropertySource
    static void users(DynamicPropertyRegistry r) {
        for (String p : SecuritySlice.localUsers()) {
            int eq = p.indexOf('=');
            r.add(p.substring(0, eq), () -> p.substring(eq + 1));
        }
        r.add("aof.ops.password", () -> OPS_PASSWORD);
    }

    @Autowired
    MockMvc mvc;

    /** Caller: anonymous, vera (viewer), otto (operator), ada (admin), prom (metrics), ops (legacy admin). */
    static final List<String> CALLERS = List.of("anonymous", "vera", "otto", "ada", "prom", "ops");

    @Test
    void eachCallerGetsWhatItsRoleAllows() throws Exception {
        // expected status per caller, in the order of CALLERS; 200 means the handler answered
        Map<String, List<Integer>> expected = new LinkedHashMap<>();
        expected.put("GET /actuator/health", List.of(200, 200, 200, 200, 200, 200));
        expected.put("GET /actuator/info", List.of(200, 200, 200, 200, 200, 200));
        expected.put("GET /actuator/prometheus", List.of(401, 403, 403, 200, 200, 200));
        expected.put("GET /actuator/env", List.of(401, 403, 403, 200, 403, 200));
        expected.put("GET /api/incidents", List.of(401, 200, 200, 200, 403, 200));
        expected.put("GET /api/incidents/x", List.of(401, 200, 200, 200, 403, 200));
        expected.put("HEAD /api/incidents", List.of(401, 403, 403, 403, 403, 403));
        expected.put("GET /api/events.csv", List.of(401, 200, 200, 200, 403, 200));
        expected.put("POST /api/policies/dry-run", List.of(401, 200, 200, 200, 403, 200));
        expected.put("POST /api/incidents/x/replay", List.of(401, 403, 200, 200, 403, 200));
        expected.put("DELETE /api/suppressions/1", List.of(401, 403, 200, 200, 403, 200));
        expected.put("GET /api/suppressions/1", List.of(401, 403, 403, 403, 403, 403));
        expected.put("POST /api/webhooks/job-failures", List.of(200, 200, 200, 200, 200, 200));
        expected.put("GET /ops/index.html", List.of(200, 200, 200, 200, 200, 200));
        expected.put("GET /ops/config.json", List.of(401, 200, 200, 200, 403, 200));
        // in no row of the table: refused to everyone, admin included
        expected.put("GET /api/not-in-the-table", List.of(401, 403, 403, 403, 403, 403));
        expected.put("POST /api/admin-only-example", List.of(401, 403, 403, 403, 403, 403));

        Map<String, List<Integer>> actual = new LinkedHashMap<>();
        for (String call : expected.keySet()) {
            List<Integer> statuses = new ArrayList<>();
            for (String caller : CALLERS) {
                statuses.add(call(call, caller).getResponse().getStatus());
            }
            actual.put(call, statuses);
        }
        assertThat(actual).isEqualTo(expected);
    }

    @Test
    void theActorIsTheSignedInUser() throws Exception {
        assertThat(call("POST /api/incidents/x/replay", "otto").getResponse().getContentAsString()).isEqualTo("otto");
        assertThat(call("GET /api/incidents", "ops").getResponse().getContentAsString()).isEqualTo("ops");
    }

    @Test
    void aWrongPasswordIsRefusedAndAnAjaxCallGetsNoBrowserPrompt() throws Exception {
        MvcResult wrong = mvc.perform(request(HttpMethod.GET, "/api/incidents")
                .header("Authorization", SecuritySlice.basic("vera", "nope"))).andReturn();
        assertThat(wrong.getResponse().getStatus()).isEqualTo(401);
        assertThat(wrong.getResponse().getHeader("WWW-Authenticate")).startsWith("Basic");
        MvcResult ajax = mvc.perform(request(HttpMethod.GET, "/api/incidents")
                .header("X-Requested-With", "XMLHttpRequest")).andReturn();
        assertThat(ajax.getResponse().getStatus()).isEqualTo(401);
        assertThat(ajax.getResponse().getHeader("WWW-Authenticate")).isNull();
    }

    @Test
    void noCrossOriginCallsUnlessConfigured() throws Exception {
        MvcResult preflight = mvc.perform(request(HttpMethod.OPTIONS, "/api/incidents")
                .header("Origin", "https://evil.example").header("Access-Control-Request-Method", "GET")
                .header("Access-Control-Request-Headers", "authorization")).andReturn();
        assertThat(preflight.getResponse().getHeader("Access-Control-Allow-Origin")).isNull();
        MvcResult read = call("GET /api/incidents", "vera", "Origin", "https://evil.example");
        assertThat(read.getResponse().getHeader("Access-Control-Allow-Origin")).isNull();
    }

    MvcResult call(String call, String caller, String... headers) throws Exception {
        String[] parts = call.split(" ", 2);
        MockHttpServletRequestBuilder b = request(HttpMethod.valueOf(parts[0]), parts[1]);
        String password = switch (caller) {
            case "vera" -> SecuritySlice.VIEWER_PASSWORD;
            case "otto" -> SecuritySlice.OPERATOR_PASSWORD;
            case "ada" -> SecuritySlice.ADMIN_PASSWORD;
            case "prom" -> SecuritySlice.METRICS_PASSWORD;
            case "ops" -> OPS_PASSWORD;
            default -> null;
        };
        if (password != null) {
            b.header("Authorization", SecuritySlice.basic(caller, password));
        }
        for (int i = 0; i + 1 < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return mvc.perform(b).andReturn();
    }
}
