package io.aof.e2e;

import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The operations surface of every service, checked last (after every other
 * test made the services do their work): what is open and what needs
 * credentials, health components, that no secret is shown or logged, and that
 * every documented meter (docs/metrics.md) and every meter the Grafana board
 * uses is really published.
 */
@Order(Integer.MAX_VALUE)
class OpsSurfaceTest extends SuiteTest {

    static final List<String> SERVICES = List.of("collation", "orchestrator", "recovery", "notifier", "logger");

    @Test
    void healthAndInfoAreOpenEverythingElseNeedsCredentials() {
        for (String s : SERVICES) {
            String url = suite.url(s);
            assertThat(anonymous(url + "/actuator/health").status()).as(s).isEqualTo(200);
            assertThat(anonymous(url + "/actuator/health/liveness").status()).as(s).isEqualTo(200);
            assertThat(anonymous(url + "/actuator/health/readiness").status()).as(s).isEqualTo(200);
            assertThat(anonymous(url + "/actuator/info").status()).as(s).isEqualTo(200);
            for (String refused : List.of("/actuator/env", "/actuator/configprops", "/actuator/metrics",
                    "/actuator/prometheus", "/actuator/loggers")) {
                assertThat(anonymous(url + refused).status()).as(s + refused).isEqualTo(401);
                assertThat(withOps(url + refused).status()).as(s + refused).isEqualTo(200);
            }
            assertThat(wrongPassword(url + "/actuator/env").status()).as(s).isEqualTo(401);
            // the scraper's credential reads Prometheus and nothing else; a viewer is no admin
            assertThat(as(AofSuite.PROM_AUTH, url + "/actuator/prometheus").status()).as(s).isEqualTo(200);
            assertThat(as(AofSuite.PROM_AUTH, url + "/actuator/env").status()).as(s).isEqualTo(403);
            assertThat(as(AofSuite.VERA_AUTH, url + "/actuator/prometheus").status()).as(s).isEqualTo(403);
            JsonNode info = anonymous(url + "/actuator/info").json();
            assertThat(info.get("build").get("version").asString()).as(s).isEqualTo("0.1.0-SNAPSHOT");
            assertThat(info.get("git").get("commit").get("id").asString()).as(s).isNotBlank();
        }
        // changing calls need an operator, reading a viewer
        String orchestrator = suite.url("orchestrator");
        Http.Response anonymousReplay = Http.sendAsIs(HttpRequest.newBuilder(URI.create(orchestrator
                        + "/api/incidents/e2e:1:j-x/replay")).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"requestedBy\":\"x\",\"reason\":\"y\"}")).build());
        assertThat(anonymousReplay.status()).isEqualTo(401);
        assertThat(anonymous(orchestrator + "/api/incidents").status()).isEqualTo(401);
        assertThat(anonymous(suite.url("logger") + "/api/events.csv").status()).isEqualTo(401);
        assertThat(as(AofSuite.VERA_AUTH, orchestrator + "/api/incidents").status()).isEqualTo(200);
        assertThat(withOps(orchestrator + "/actuator/aof").json().get("incidentsByState")).isNotNull();
        assertThat(anonymous(orchestrator + "/actuator/aof").status()).isEqualTo(401);
    }

    @Test
    void healthShowsEachDependency() {
        for (String s : SERVICES) {
            JsonNode health = withOps(suite.url(s) + "/actuator/health").json();
            assertThat(health.get("status").asString()).as(s).isEqualTo("UP");
            JsonNode c = health.get("components");
            assertThat(c.get("db").get("status").asString()).as(s).isEqualTo("UP");
            assertThat(c.get("kafka").get("status").asString()).as(s).isEqualTo("UP");
            assertThat(c.get("kafka").get("details").get("brokers").asInt()).isEqualTo(1);
        }
        for (String s : List.of("collation", "recovery")) {
            JsonNode workato = withOps(suite.url(s) + "/actuator/health").json().get("components").get("workato");
            assertThat(workato.get("status").asString()).as(s).isEqualTo("UP");
            assertThat(workato.get("details").get("circuitBreaker").asString()).isEqualTo("CLOSED");
        }
        JsonNode slack = withOps(suite.url("notifier") + "/actuator/health").json().get("components").get("slack");
        assertThat(slack.get("status").asString()).isEqualTo("UP");
        assertThat(slack.get("details").get("team").asString()).isEqualTo("AOF sink");
        // anonymous callers see the status, not the details
        assertThat(anonymous(suite.url("notifier") + "/actuator/health").json().get("components").get("slack")
                .has("details")).isFalse();
    }

    @Test
    void noSecretIsShownByActuatorOrWrittenToTheLog() {
        List<String> secrets = AofSuite.SECRETS;
        for (String s : SERVICES) {
            for (String endpoint : List.of("/actuator/env", "/actuator/configprops", "/actuator/info",
                    "/actuator/health")) {
                String body = withOps(suite.url(s) + endpoint).body();
                assertThat(body).as(s + endpoint).isNotEmpty();
                for (String secret : secrets) {
                    assertThat(body).as(s + endpoint).doesNotContain(secret);
                }
            }
        }
        // the watch sees what the services' logging writes: a line logged on purpose is caught
        org.slf4j.LoggerFactory.getLogger("io.aof.notifier.delivery.NotificationDispatcher").info("canary {}",
                SecretWatch.CANARY);
        assertThat(SecretWatch.LEAKS).anyMatch(l -> l.contains(SecretWatch.CANARY));
        assertThat(SecretWatch.LEAKS).filteredOn(l -> !l.contains(SecretWatch.CANARY))
                .as("log lines holding a secret").isEmpty();
    }

    @Test
    void everyDocumentedMeterAndEveryMeterOfTheBoardIsPublished() throws Exception {
        // the one meter no earlier test is sure to leave on this logger (the report race may go to the other one)
        var reports = suite.services.get("logger").getBean(io.aof.logger.report.ReportScheduler.class);
        var schedule = new io.aof.logger.report.ReportProperties.Schedule("ops-check", "0 * * * * *", "UTC",
                java.time.Duration.ofMinutes(1));
        java.time.Instant now = java.time.Instant.now();
        reports.runIfDue(schedule, "ops-check", now.minusSeconds(120));
        reports.runIfDue(schedule, "ops-check", now);

        // services restarted by earlier tests start their counters afresh: make the rarer events happen again
        String webhookBody = "{\"recipe_id\": 424242, \"recipe_name\": \"Meters\", \"job_id\": \"j-meters-"
                + java.util.UUID.randomUUID() + "\", \"error\": \"401 Unauthorized\", \"http_status\": 401}";
        for (int i = 0; i < 2; i++) {   // the second is a duplicate
            assertThat(Http.post(suite.url("collation") + "/api/webhooks/job-failures", webhookBody, "Authorization",
                    "Bearer " + AofSuite.WEBHOOK_TOKEN).status()).isIn(200, 202);
        }
        suite.publish(io.aof.common.events.Topics.Names.JOB_FAILURES, "meters", "not an event");
        long recipe = sim.addRecipe("Meters (fails once)", "{\"kind\":\"FAIL_TIMES\",\"failTimes\":1,"
                + "\"error\":\"504 Gateway Timeout\",\"httpCode\":504}");
        awaitIncidentState(AofSuite.WORKSPACE + ":" + recipe + ":" + sim.trigger(recipe), "RECOVERED");
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(20)).until(() -> published(
                withOps(suite.url("orchestrator") + "/actuator/prometheus").body(), "aof_dlt_messages_total"));

        Map<String, String> scrapes = new LinkedHashMap<>();
        for (String s : SERVICES) {
            Http.Response r = withOps(suite.url(s) + "/actuator/prometheus");
            assertThat(r.status()).isEqualTo(200);
            scrapes.put(s, r.body());
            Files.writeString(Path.of("target", "prometheus-" + s + ".txt"), r.body());
        }
        // every aof meter carries the common tags
        scrapes.forEach((s, body) -> body.lines().filter(l -> l.startsWith("aof_")).forEach(l ->
                assertThat(l).as(s).contains("service=\"" + s + "\"", "workspace=\"" + AofSuite.WORKSPACE + "\"")));

        Pattern row = Pattern.compile("^\\| `(aof\\.[a-z.]+)` \\| (counter|timer|gauge) \\|.*\\| ([a-z]+) \\|$");
        int documented = 0;
        for (String line : Files.readAllLines(Path.of("..", "docs", "metrics.md"))) {
            Matcher m = row.matcher(line);
            if (!m.matches()) {
                continue;
            }
            documented++;
            String prom = m.group(1).replace('.', '_') + switch (m.group(2)) {
                case "counter" -> "_total";
                case "timer" -> "_seconds_count";
                default -> "";
            };
            assertThat(published(scrapes.get(m.group(3)), prom)).as(m.group(1) + " on " + m.group(3)).isTrue();
        }
        assertThat(documented).isGreaterThan(25);

        JsonNode board = Http.JSON.readTree(Files.readString(Path.of("..", "ops", "grafana", "aof-dashboard.json")));
        Pattern metric = Pattern.compile("\\b((?:aof|kafka|resilience4j|jvm|hikaricp)_[a-z0-9_]+)\\s*[{\\[]");
        int used = 0;
        for (JsonNode panel : board.get("panels")) {
            for (JsonNode target : panel.get("targets")) {
                Matcher m = metric.matcher(target.get("expr").asString());
                while (m.find()) {
                    used++;
                    String name = m.group(1);
                    assertThat(scrapes.values().stream().anyMatch(b -> published(b, name)))
                            .as("board panel '" + panel.get("title").asString() + "' uses " + name).isTrue();
                }
            }
        }
        assertThat(used).isGreaterThan(15);
    }

    private static boolean published(String scrape, String name) {
        return scrape.lines().anyMatch(l -> l.startsWith(name + "{") || l.startsWith(name + " "));
    }

    static Http.Response anonymous(String url) {
        return Http.sendAsIs(HttpRequest.newBuilder(URI.create(url)).GET().build());
    }

    static Http.Response as(String authorization, String url) {
        return Http.sendAsIs(HttpRequest.newBuilder(URI.create(url)).header("Authorization", authorization).GET()
                .build());
    }

    static Http.Response withOps(String url) {
        return Http.sendAsIs(HttpRequest.newBuilder(URI.create(url)).header("Authorization", Http.OPS_AUTH).GET()
                .build());
    }

    static Http.Response wrongPassword(String url) {
        return Http.sendAsIs(HttpRequest.newBuilder(URI.create(url)).header("Authorization", "Basic "
                + java.util.Base64.getEncoder().encodeToString("ops:wrong".getBytes())).GET().build());
    }
}
