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
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 18: three instances of one service, each with its own Workato client and
 * its own in-process limiter, share that service's read budget through
 * PostgreSQL: reading as fast as they may, together they make the reads one
 * instance would make (counted at a real HTTP stand-in for Workato), while
 * another service's share is a budget of its own.
 */
class SharedReadBudgetTest {

    private static final int READS_PER_MINUTE = 600;   // one read each 100 ms, so the test takes seconds
    private static final long GAP_MS = 60_000 / READS_PER_MINUTE;

    private HttpServer server;
    private final List<Long> arrivals = new CopyOnWriteArrayList<>();
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
        jdbc = new JdbcTemplate(ds);
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    private void answer(HttpExchange ex) throws IOException {
        arrivals.add(System.nanoTime());
        byte[] body = "{\"items\":[]}".getBytes(StandardCharsets.UTF_8);
        ex.sendResponseHeaders(200, body.length);
        ex.getResponseBody().write(body);
        ex.close();
    }

    private WorkatoClient instance(String share) {
        WorkatoProperties props = new WorkatoProperties("http://127.0.0.1:" + server.getAddress().getPort() + "/api",
                "token", Duration.ofSeconds(2), Duration.ofSeconds(2), new WorkatoProperties.Resilience(
                READS_PER_MINUTE, Duration.ofSeconds(5), 1, Duration.ofMillis(100), Duration.ofSeconds(10), 50, 5,
                10, Duration.ofSeconds(30)));
        return new WorkatoClient(props, null, WorkatoAccountHold.shared(jdbc, schema, props, share),
                WorkatoReadBudget.shared(jdbc, schema, props, share, share + "-" + UUID.randomUUID()));
    }

    /** Each client reads in its own thread as fast as its budget lets it, for {@code millis}. */
    private static int readFlatOut(List<WorkatoClient> clients, long millis) throws InterruptedException {
        AtomicInteger reads = new AtomicInteger();
        long until = System.nanoTime() + millis * 1_000_000;
        List<Thread> threads = new ArrayList<>();
        for (WorkatoClient c : clients) {
            Thread t = new Thread(() -> {
                while (System.nanoTime() < until) {
                    c.listRecipes(1, 100);
                    reads.incrementAndGet();
                }
            });
            t.start();
            threads.add(t);
        }
        for (Thread t : threads) {
            t.join();
        }
        return reads.get();
    }

    @Test
    void threeInstancesOfOneServiceTogetherReadNoFasterThanOne() throws Exception {
        List<WorkatoClient> three = List.of(instance("collation-service"), instance("collation-service"),
                instance("collation-service"));
        int reads = readFlatOut(three, 3_000);

        assertThat(arrivals).hasSize(reads);
        // one instance's pace: a slot each gap from the first read on. A thread takes its next slot before the 3 s
        // are up, and each of the three holds at most one slot ahead, so the slots lie within 3 s plus two gaps:
        // at most 3000 / 100 + 3 reads, and one more for the database's clock against this one. Measuring the span
        // of the arrivals instead failed once (33 reads in 3085 ms): the first read is late (a cold connection), the
        // last on time. Three unshared instances would make about 90.
        int bound = (int) (3_000 / GAP_MS) + three.size() + 1;
        assertThat(reads).as("reads in 3000 ms at most one per %d ms", GAP_MS)
                .isLessThanOrEqualTo(bound)
                .isGreaterThanOrEqualTo(20);   // and the three do not starve each other
        // every instance got its turns
        assertThat(jdbc.queryForObject("SELECT count(*) FROM " + schema + ".workato_read_budget", Integer.class))
                .isEqualTo(1);
    }

    @Test
    void anotherServicesShareIsABudgetOfItsOwn() throws Exception {
        List<WorkatoClient> two = List.of(instance("collation-service"), instance("recovery-service"));
        int reads = readFlatOut(two, 2_000);
        long spanMs = (arrivals.get(arrivals.size() - 1) - arrivals.get(0)) / 1_000_000;
        // two shares, each at its own pace: about twice one share's reads
        assertThat(reads).isGreaterThan((int) (spanMs / GAP_MS) + 2);
        assertThat(jdbc.queryForList("SELECT share FROM " + schema + ".workato_read_budget ORDER BY share",
                String.class)).containsExactly("collation-service", "recovery-service");
    }
}
