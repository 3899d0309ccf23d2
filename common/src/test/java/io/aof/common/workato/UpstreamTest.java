package io.aof.common.workato;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class UpstreamTest {

    private static WorkatoJob job(String error, WorkatoJob.Line... lines) {
        return new WorkatoJob("j-1", "j-1", 7L, 1L, "t", "failed", null, null, true, false, error, null, false, null,
                List.of(lines), false, null, null, null, null, null);
    }

    private static WorkatoJob.Line line(String adapter, boolean failed) {
        return new WorkatoJob.Line("1", adapter, "op", failed
                ? new WorkatoJob.ErrorDescriptor("err.http.response.timeout", "timed out", null) : null);
    }

    @Test
    void theFailedStepsConnectorNamesTheUpstream() {
        assertThat(Upstream.of(job("Request timed out", line("workato_webhooks", false), line("NetSuite", true))))
                .isEqualTo("netsuite");
    }

    @Test
    void aGenericHttpConnectorIsNamedWithTheHostItCalled() {
        assertThat(Upstream.of(job("503 from https://API.acme.com:8443/v1/orders/123 after 30s",
                line("workato_webhooks", false), line("rest", true)))).isEqualTo("rest@api.acme.com");
        // without a host the generic connector says nothing: every HTTP call of the workspace is not one system
        assertThat(Upstream.of(job("500 Internal Server Error", line("rest", true)))).isNull();
    }

    @Test
    void withoutAFailedStepTheHostInTheErrorTextIsTheUpstream() {
        assertThat(Upstream.of(job("Failed to open TCP connection to sftp.partner.example:22 (Connection refused)")))
                .isEqualTo("host:sftp.partner.example");
        assertThat(Upstream.of(job("see https://status.example.org for details"))).isEqualTo("host:status.example.org");
    }

    @Test
    void workatosOwnConnectorsAreNotAnUpstream() {
        assertThat(Upstream.of(job("Call failed: https://api.partner.example/x", line("workato_recipe_function", true))))
                .isEqualTo("host:api.partner.example");
        assertThat(Upstream.of(job("Call failed", line("workato_recipe_function", true)))).isNull();
    }

    @Test
    void nothingNamesTheUpstreamOfAPlainError() {
        assertThat(Upstream.of(job("Net::ReadTimeout with 10.0.0.1"))).isNull();
        assertThat(Upstream.of(job(null))).isNull();
        assertThat(Upstream.of(null, "version 1.2 is not supported")).isNull();
    }
}
