package io.aof.common.ops;

import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.webmvc.test.autoconfigure.WebMvcTest;
import org.springframework.http.HttpMethod;
import org.springframework.test.context.ContextConfiguration;
import org.springframework.test.context.TestPropertySource;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.MvcResult;

import static org.assertj.core.api.Assertions.assertThat;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.request;

/** A configured origin (the ops page on the orchestrator calling the logger) may call; others may not. */
@WebMvcTest
@ContextConfiguration(classes = SecuritySlice.class)
@TestPropertySource(properties = {"aof.security.cors.allowed-origins=http://localhost:[*]",
        "aof.ops.password=cors-test-pw"})
class CorsTest {

    @Autowired
    MockMvc mvc;

    @Test
    void theConfiguredOriginMayCallWithCredentialsOthersMayNot() throws Exception {
        MvcResult ok = preflight("http://localhost:8082");
        assertThat(ok.getResponse().getStatus()).isEqualTo(200);
        assertThat(ok.getResponse().getHeader("Access-Control-Allow-Origin")).isEqualTo("http://localhost:8082");
        assertThat(ok.getResponse().getHeader("Access-Control-Allow-Headers")).containsIgnoringCase("authorization");
        assertThat(ok.getResponse().getHeader("Access-Control-Allow-Credentials")).isNull();

        MvcResult refused = preflight("https://evil.example");
        assertThat(refused.getResponse().getStatus()).isEqualTo(403);
        assertThat(refused.getResponse().getHeader("Access-Control-Allow-Origin")).isNull();

        MvcResult read = mvc.perform(request(HttpMethod.GET, "/api/incidents").header("Origin", "http://localhost:8082")
                .header("Authorization", SecuritySlice.basic("ops", "cors-test-pw"))).andReturn();
        assertThat(read.getResponse().getStatus()).isEqualTo(200);
        assertThat(read.getResponse().getHeader("Access-Control-Allow-Origin")).isEqualTo("http://localhost:8082");
    }

    MvcResult preflight(String origin) throws Exception {
        return mvc.perform(request(HttpMethod.OPTIONS, "/api/incidents").header("Origin", origin)
                .header("Access-Control-Request-Method", "GET")
                .header("Access-Control-Request-Headers", "authorization,x-requested-with")).andReturn();
    }
}
