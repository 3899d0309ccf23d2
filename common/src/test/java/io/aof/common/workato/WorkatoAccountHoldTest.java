package io.aof.common.workato;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.aof.testsupport.AofTestInfrastructure;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.JdbcTemplate;

import javax.sql.DataSource;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Issue 12 #15: two services' Workato clients (collation, recovery) on one API
 * client, sharing one PostgreSQL, against a real HTTP stand-in for Workato that
 * answers one of them 429 with Retry-After: the other makes no call inside that
 * window, and calls again once it has elapsed on the database's clock.
 */
class WorkatoAccountHoldTest {

    private HttpServer server;
    private final List<String> requests = new CopyOnWriteArrayList<>();
    private final AtomicInteger throttle = new AtomicInteger();
    private JdbcTemplate jdbc;
    private String schema;

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/api", this::answer);
        server.start();
        schema = "aof_shared_" + UUID.randomUUID().toString().substring(0, 8);
        DataSource ds = AofTestInfrastructure.get().dataSource();
        WorkatoAccountHold.migrate(ds, schema);
        WorkatoAccountHold.migrate(ds, schema);   // the second service finds it done
        jdbc = new JdbcTemplate(ds);
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    private void answer(HttpExchange ex) throws IOException {
        requests.add(ex.getRequestMethod() + " " + ex.getRequestURI().getPath());
        byte[] body;
        if (throttle.getAndDecrement() > 0) {
            ex.getResponseHeaders().add("Retry-After", "30");
            body = "{}".getBytes(StandardCharsets.UTF_8);
            ex.sendResponseHeaders(429, body.length);
        } else {
            body = (ex.getRequestURI().getPath().endsWith("repeat_jobs") ? "{\"results\":[]}" : "{\"items\":[]}")
                    .getBytes(StandardCharsets.UTF_8);
            ex.sendResponseHeaders(200, body.length);
        }
        ex.getResponseBody().write(body);
        ex.close();
    }

    private WorkatoProperties props(String token) {
        return new WorkatoProperties("http://127.0.0.1:" + server.getAddress().getPort() + "/api", token,
                Duration.ofSeconds(2), Duration.ofSeconds(2), WorkatoProperties.Resilience.defaults());
    }

    private WorkatoClient client(String service, String token) {
        WorkatoProperties props = props(token);
        return new WorkatoClient(props, null, WorkatoAccountHold.shared(jdbc, schema, props, service));
    }

    @Test
    void a429ReceivedByOneServiceHoldsTheOtherServicesCallsUntilItsRetryAfterHasElapsed() {
        WorkatoClient collation = client("collation-service", "token-1");
        WorkatoClient recovery = client("recovery-service", "token-1");
        throttle.set(1);

        assertThatThrownBy(() -> collation.listRecipes(1, 100)).isInstanceOfSatisfying(WorkatoApiException.class,
                e -> assertThat(e.kind()).isEqualTo(WorkatoApiException.Kind.RATE_LIMITED));
        assertThat(requests).hasSize(1);

        // recovery never saw that 429: neither its repeat nor its read reaches Workato inside the window
        assertThatThrownBy(() -> recovery.repeatJobs(7, List.of("j-1"))).isInstanceOfSatisfying(
                WorkatoApiException.class, e -> {
                    assertThat(e.kind()).isEqualTo(WorkatoApiException.Kind.RATE_LIMITED);
                    assertThat(e.mayHaveTakenEffect()).isFalse();
                    assertThat(e.retryAfter()).isPositive().isLessThanOrEqualTo(Duration.ofSeconds(30));
                });
        assertThatThrownBy(() -> recovery.listJobs(7, JobQuery.repeats())).isInstanceOf(WorkatoApiException.class);
        assertThat(requests).hasSize(1);
        assertThat(jdbc.queryForObject("SELECT set_by FROM " + schema + ".workato_hold", String.class))
                .isEqualTo("collation-service");

        // another Workato API client has its own budget
        client("other-deployment", "token-2").listRecipes(1, 100);
        assertThat(requests).hasSize(2);

        // the window ends on the database's clock: both services call again
        jdbc.update("UPDATE " + schema + ".workato_hold SET hold_until = now()");
        recovery.repeatJobs(7, List.of("j-1"));
        collation.listRecipes(1, 100);
        assertThat(requests).hasSize(4);
    }

    @Test
    void theAccountKeyHidesTheToken() {
        assertThat(WorkatoAccountHold.accountKey(props("secret-token"))).doesNotContain("secret")
                .isNotEqualTo(WorkatoAccountHold.accountKey(props("other-token"))).hasSize(32);
    }
}
