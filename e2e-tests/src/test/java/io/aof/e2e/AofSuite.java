package io.aof.e2e;

import io.aof.collation.CollationApplication;
import io.aof.logger.LoggerApplication;
import io.aof.notifier.NotifierApplication;
import io.aof.orchestrator.OrchestratorApplication;
import io.aof.recovery.RecoveryApplication;
import io.aof.simulator.MailSink;
import io.aof.simulator.WorkatoSimulatorApplication;
import io.aof.testsupport.AofInfrastructure;
import io.aof.testsupport.AofTestInfrastructure;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.JdbcTemplate;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The whole suite in one test JVM, started once and shared by every test class:
 * one embedded Kafka, one PostgreSQL, the Workato simulator with its Slack sink,
 * and the five services, each its own Spring context with its own schema and
 * consumer group, exactly as in production but with fast timings.
 */
final class AofSuite {

    static final String WORKSPACE = "e2e";
    static final String WORKATO_TOKEN = "e2e-workato-token";
    static final String SLACK_TOKEN = "xoxb-e2e";
    static final String WEBHOOK_TOKEN = "e2e-webhook-secret";
    static final String WEBHOOK_HMAC_SECRET = "e2e-hmac-secret";
    static final int WEBHOOK_PER_SOURCE_PER_MINUTE = 40;
    /** Named webhook sources beside the legacy one ("default"): team-a mid-rotation of its tokens, team-b of its
     * HMAC keys, and burst, whose small budget a test uses up. */
    static final String TEAM_A_OLD_TOKEN = "e2e-team-a-old-token";
    static final String TEAM_A_NEW_TOKEN = "e2e-team-a-new-token";
    static final String TEAM_B_OLD_SECRET = "e2e-team-b-old-hmac";
    static final String TEAM_B_NEW_SECRET = "e2e-team-b-new-hmac";
    static final String BURST_TOKEN = "e2e-burst-token";
    static final int BURST_PER_MINUTE = 5;
    /**
     * Requests with wrong credentials one address may send a minute before it gets 429: more than a source's
     * budget, so a test can show that they spend none of it.
     */
    static final int WEBHOOK_REFUSED_PER_ADDRESS_PER_MINUTE = 60;
    static final String OPS_CHANNEL = "#e2e-ops";
    /** Recipes named so are not polled: their failures come by webhook only. */
    static final String WEBHOOK_ONLY = "Webhook only ";
    static final String ADMIN_CHANNEL = "#e2e-admin";
    static final String ADMIN_MAIL = "admin@e2e.test";
    static final String REPORT_MAIL = "reports@e2e.test";
    static final String FALLBACK_MAIL = "fallback@e2e.test";
    static final String OPS_PASSWORD = "e2e-ops-password";
    /** Local users beside the legacy admin ops: alice the operator, vera the viewer, prom the scraper. */
    static final String ALICE_PASSWORD = "e2e-alice-password";
    static final String VERA_PASSWORD = "e2e-vera-password";
    static final String PROM_PASSWORD = "e2e-prom-password";
    static final String ALICE_AUTH = Http.basic("alice", ALICE_PASSWORD);
    static final String VERA_AUTH = Http.basic("vera", VERA_PASSWORD);
    static final String PROM_AUTH = Http.basic("prom", PROM_PASSWORD);
    /**
     * Storm control in the suite: a group's digest 60 s after its first alert, so that the 20 s storm of
     * {@code NotifierTest}, and the pipeline's lag behind it on 2 cores (20 s the worst measured), fit in one.
     */
    static final String GROUP_INTERVAL = "60s";

    /** Every secret the suite gives the services: none may appear in a log line, Actuator's output or an answer. */
    static final List<String> SECRETS = List.of(WORKATO_TOKEN, SLACK_TOKEN, WEBHOOK_TOKEN, WEBHOOK_HMAC_SECRET,
            TEAM_A_OLD_TOKEN, TEAM_A_NEW_TOKEN, TEAM_B_OLD_SECRET, TEAM_B_NEW_SECRET, BURST_TOKEN, OPS_PASSWORD,
            ALICE_PASSWORD, VERA_PASSWORD, PROM_PASSWORD);

    private static AofSuite instance;

    final AofInfrastructure infra;
    final ConfigurableApplicationContext simulator;
    final String simulatorUrl;
    final Map<String, ConfigurableApplicationContext> services = new LinkedHashMap<>();
    final JdbcTemplate db;
    private AofSuite(AofInfrastructure infra) {
        this.infra = infra;
        SecretWatch.install(SECRETS);
        Map<String, Object> sim = new LinkedHashMap<>();
        sim.put("server.port", "0");
        sim.put("sim.api-token", WORKATO_TOKEN);
        sim.put("sim.slack-token", SLACK_TOKEN);
        sim.put("sim.reads-per-minute", "6000");
        sim.put("sim.repeats-per-second", "1");
        sim.put("sim.job-duration", "300ms");
        sim.put("sim.jobs-page-size", "5");
        sim.put("sim.smtp-port", "0");
        // the fake sign-on provider's users (name -> roles)
        sim.put("sim.oidc.users.olga", "operator");
        sim.put("sim.oidc.users.vince", "viewer");
        sim.put("spring.main.register-shutdown-hook", "false");
        simulator = WorkatoSimulatorApplication.builder().run(args(sim));
        simulatorUrl = "http://localhost:" + port(simulator);
        start("collation", CollationApplication::builder);
        start("logger", LoggerApplication::builder);
        start("notifier", NotifierApplication::builder);   // before the orchestrator: its ops page links both
        start("orchestrator", OrchestratorApplication::builder);
        start("recovery", RecoveryApplication::builder);
        db = new JdbcTemplate(infra.dataSource());
    }

    static synchronized AofSuite get() {
        if (instance == null) {
            instance = new AofSuite(AofTestInfrastructure.get());
            AofSuite suite = instance;
            suite.infra.closeBeforeStop(suite.simulator);
            suite.infra.closeBeforeStop(() -> suite.services.values().forEach(ConfigurableApplicationContext::close));
        }
        return instance;
    }

    /** A second suite on other infrastructure (containers); {@link #close()} it when done. */
    static AofSuite on(AofInfrastructure infra) {
        return new AofSuite(infra);
    }

    void close() {
        services.values().forEach(ConfigurableApplicationContext::close);
        services.clear();
        simulator.close();
    }

    /** Starts (or restarts) one service with the suite's settings. */
    ConfigurableApplicationContext start(String name, Supplier<SpringApplicationBuilder> builder) {
        Map<String, Object> props = serviceProperties();
        if (name.equals("orchestrator") && services.containsKey("logger")) {
            props.put("aof.ops.logger-url", url("logger"));   // the ops page reads timelines there
        }
        if (name.equals("orchestrator") && services.containsKey("notifier")) {
            props.put("aof.ops.notifier-url", url("notifier"));   // and acknowledges escalations there
        }
        ConfigurableApplicationContext ctx = builder.get().run(args(props));
        services.put(name, ctx);
        return ctx;
    }

    void stop(String name) {
        ConfigurableApplicationContext ctx = services.remove(name);
        if (ctx != null) {
            ctx.close();
        }
    }

    /** Publishes a raw record, as another service (or a redelivery) would. */
    void publish(String topic, String key, String value) {
        try (var producer = new org.apache.kafka.clients.producer.KafkaProducer<String, String>(Map.of(
                org.apache.kafka.clients.producer.ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                infra.kafkaBootstrapServers(), org.apache.kafka.clients.producer.ProducerConfig.ACKS_CONFIG, "all"),
                new org.apache.kafka.common.serialization.StringSerializer(),
                new org.apache.kafka.common.serialization.StringSerializer())) {
            producer.send(new org.apache.kafka.clients.producer.ProducerRecord<>(topic, key, value)).get();
        } catch (Exception e) {
            throw new IllegalStateException("publishing to " + topic + " failed", e);
        }
    }

    String url(String service) {
        return "http://localhost:" + port(services.get(service));
    }

    private Map<String, Object> serviceProperties() {
        Map<String, Object> p = new LinkedHashMap<>(infra.serviceProperties());
        p.put("server.port", "0");
        p.put("aof.workspace", WORKSPACE);
        p.put("aof.ops.password", OPS_PASSWORD);
        // BCrypt at cost 4: the same check as production's cost 10, fast enough for a test that reads all the time
        var bcrypt = new org.springframework.security.crypto.bcrypt.BCryptPasswordEncoder(4);
        String[][] users = {{"alice", ALICE_PASSWORD, "operator"}, {"vera", VERA_PASSWORD, "viewer"},
                {"prom", PROM_PASSWORD, "metrics"}};
        for (int i = 0; i < users.length; i++) {
            p.put("aof.security.users[" + i + "].name", users[i][0]);
            p.put("aof.security.users[" + i + "].password-hash", bcrypt.encode(users[i][1]));
            p.put("aof.security.users[" + i + "].roles", users[i][2]);
        }
        // single sign-on with the simulator's OIDC provider (the ops page signs in there; the API checks its tokens)
        p.put("aof.security.jwt.issuer-uri", simulatorUrl + "/oidc");
        p.put("aof.security.jwt.audiences", "aof");
        p.put("aof.ops.sso-client-id", "aof-ops-page");
        // the ops page of the orchestrator reads the logger's timelines: its origin (a random port) may call
        p.put("aof.security.cors.allowed-origins", "http://localhost:[*]");
        p.put("aof.outbox.poll-interval", "50ms");
        p.put("aof.workato.base-url", simulatorUrl + "/api");
        p.put("aof.workato.api-token", WORKATO_TOKEN);
        p.put("aof.workato.resilience.reads-per-minute", "6000");
        p.put("aof.workato.resilience.breaker-open-for", "2s");
        p.put("aof.collation.poll-interval", "500ms");
        p.put("aof.collation.leader.check-interval", "100ms");   // the sweep holder looks that often if one is due
        p.put("aof.collation.stats-interval", "5s");
        p.put("aof.collation.webhook.token", WEBHOOK_TOKEN);
        p.put("aof.collation.webhook.hmac-secret", WEBHOOK_HMAC_SECRET);
        p.put("aof.collation.webhook.per-source-per-minute", String.valueOf(WEBHOOK_PER_SOURCE_PER_MINUTE));
        p.put("aof.collation.webhook.refused-per-address-per-minute",
                String.valueOf(WEBHOOK_REFUSED_PER_ADDRESS_PER_MINUTE));
        p.put("aof.collation.webhook.sources[0].name", "team-a");
        p.put("aof.collation.webhook.sources[0].tokens[0]", TEAM_A_OLD_TOKEN);
        p.put("aof.collation.webhook.sources[0].tokens[1]", TEAM_A_NEW_TOKEN);
        p.put("aof.collation.webhook.sources[1].name", "team-b");
        p.put("aof.collation.webhook.sources[1].hmac-secrets", TEAM_B_OLD_SECRET + "," + TEAM_B_NEW_SECRET);
        p.put("aof.collation.webhook.sources[2].name", "burst");
        p.put("aof.collation.webhook.sources[2].tokens[0]", BURST_TOKEN);
        p.put("aof.collation.webhook.sources[2].per-minute", String.valueOf(BURST_PER_MINUTE));
        p.put("aof.collation.webhook.verify-delay", "300ms");
        p.put("aof.collation.webhook.verify-interval", "200ms");
        // recipes that report their failures by webhook only: the poller leaves them to the webhook verifier
        p.put("aof.collation.watch.exclude-name-patterns[0]", WEBHOOK_ONLY + ".*");
        p.put("aof.orchestrator.scheduler-interval", "200ms");
        p.put("aof.orchestrator.policies.defaults.initial-delay", "300ms");
        p.put("aof.orchestrator.policies.defaults.max-delay", "1s");
        // recipes named "Outage ..." wait 2 s before their first repeat (a name-pattern override)
        p.put("aof.orchestrator.policies.overrides[0].recipe-name", "Outage .*");
        p.put("aof.orchestrator.policies.overrides[0].policy.initial-delay", "2s");
        p.put("aof.orchestrator.policies.overrides[0].policy.max-delay", "2s");
        // storms: recipes named "Storm ..." never escalate (one audience to count)
        p.put("aof.orchestrator.policies.overrides[1].recipe-name", "Storm .*");
        p.put("aof.orchestrator.policies.overrides[1].policy.escalate", "false");
        // outages: the default thresholds (5 failures, 2 recipes, 5 min); probes seconds apart, not minutes
        p.put("aof.orchestrator.outages.probe-backoff", "2s,3s");
        p.put("aof.orchestrator.outages.sweep-interval", "500ms");
        p.put("aof.recovery.work-interval", "100ms");
        p.put("aof.recovery.watch-interval", "300ms");
        p.put("aof.recovery.reconcile-after", "1s");
        p.put("aof.recovery.outcome-deadline", "8s");
        p.put("aof.recovery.unreachable-backoff", "2s");
        p.put("aof.notifier.dispatch-interval", "200ms");
        p.put("aof.notifier.slack.api-url", simulatorUrl + "/slack/api/");
        p.put("aof.notifier.slack.bot-token", SLACK_TOKEN);
        p.put("aof.notifier.slack.channel", OPS_CHANNEL);
        p.put("aof.notifier.slack.admin-channel", ADMIN_CHANNEL);
        p.put("aof.notifier.email.admin-to", ADMIN_MAIL);
        p.put("aof.notifier.grouping.group-interval", GROUP_INTERVAL);
        // signature storms only in the storm test's channel: the other tests share the ops and admin channels and
        // read each incident's own thread there (the AUTH failures of three tests' recipes within a minute would be
        // a storm, as they would be in production: there, that is the point)
        p.put("aof.notifier.storms.destinations", "slack:#e2e-storm");
        // a storm ends 10 s after its last failure, not the group interval's 60 s: the storm test waits for its
        // end. While it publishes for 20 s the failures reach the notifier without a pause of that length: the
        // pipeline runs behind them (7 s at the end on 2 cores), which delays arrivals but leaves no gap
        p.put("aof.notifier.storms.window", "10s");
        p.put("aof.notifier.escalation.repeat-interval", "4s");
        p.put("aof.notifier.escalation.max-repeats", "2");
        p.put("aof.notifier.fallback.destination", "email:" + FALLBACK_MAIL);
        p.put("aof.notifier.fallback.after", "3s");
        p.put("aof.notifier.max-backoff", "2s");
        // routes by recipe name: each notifier test reads its own channel
        String[][] routes = {{"Storm .*", "#e2e-storm"}, {"Slackdown .*", "#e2e-down"},
                {"Ratelimited .*", "#e2e-ratelimited"}, {"Threaded .*", "#e2e-threads"}};
        for (int i = 0; i < routes.length; i++) {
            p.put("aof.notifier.routes[" + i + "].match.recipe-name", routes[i][0]);
            p.put("aof.notifier.routes[" + i + "].match.audiences", "OPS");
            p.put("aof.notifier.routes[" + i + "].to", "slack:" + routes[i][1]);
        }
        p.put("aof.notifier.email.report-to", REPORT_MAIL);
        p.put("spring.mail.host", "127.0.0.1");
        p.put("spring.mail.port", String.valueOf(simulator.getBean(MailSink.class).port()));
        // tests run the report schedules themselves, with the time they choose
        p.put("aof.logger.report.enabled", "false");
        p.put("aof.logger.dead-letters.check-interval", "2s");
        p.put("spring.datasource.hikari.maximum-pool-size", "3");
        return p;
    }

    /** Properties as command-line arguments: they win over every service's own yml. */
    static String[] args(Map<String, ?> props) {
        List<String> args = new ArrayList<>();
        props.forEach((k, v) -> args.add("--" + k + "=" + v));
        return args.toArray(String[]::new);
    }

    private static int port(ConfigurableApplicationContext ctx) {
        return ((WebServerApplicationContext) ctx).getWebServer().getPort();
    }
}
