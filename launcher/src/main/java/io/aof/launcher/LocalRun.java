package io.aof.launcher;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.apache.kafka.common.Uuid;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.stream.Stream;

/**
 * One local run: a real PostgreSQL (zonky binaries), a real Kafka broker in
 * KRaft mode (its own JVM, from the Kafka jars), the Workato simulator with a
 * demo workspace and Slack sink, and the five services, each in its own JVM.
 */
final class LocalRun {

    static final int PG_PORT = intEnv("AOF_PG_PORT", 15432);
    static final int KAFKA_PORT = intEnv("AOF_KAFKA_PORT", 19092);
    static final int SIM_PORT = 8090;
    static final int SMTP_PORT = intEnv("AOF_SMTP_PORT", 2525);

    /** name, port, module (the services in start order). */
    private static final List<String[]> SERVICES = List.of(
            new String[]{"collation", "8081", "collation-service"},
            new String[]{"orchestrator", "8082", "orchestrator-service"},
            new String[]{"recovery", "8083", "recovery-service"},
            new String[]{"notifier", "8084", "notifier-service"},
            new String[]{"logger", "8085", "logger-service"});

    private final Path root;
    private final Path state;
    private final Path logs;
    private final Path run;
    private final List<ManagedProcess> children = new ArrayList<>();
    private EmbeddedPostgres postgres;
    private IncidentConsole console;
    private final CountDownLatch stopped = new CountDownLatch(1);

    LocalRun(Path root) {
        this.root = root;
        this.state = root.resolve(".aof");
        this.logs = state.resolve("logs");
        this.run = state.resolve("run");
    }

    void up() throws Exception {
        Instant startedAt = Instant.now();
        Files.createDirectories(run);
        Files.createDirectories(logs);
        Path launcherPid = run.resolve("launcher.pid");
        if (ManagedProcess.fromPidFile(launcherPid).isPresent()) {
            fail("AOF is already running (pid " + Files.readString(launcherPid).trim() + "); run ./aof down first");
        }
        stopLeftovers();
        checkPortsFree();
        Files.writeString(launcherPid, Long.toString(ProcessHandle.current().pid()));
        Runtime.getRuntime().addShutdownHook(new Thread(this::shutdown, "aof-launcher-stop"));

        Properties secrets = secrets();
        say("State folder: " + state);
        startPostgres();
        startKafka();
        startSimulator(secrets);
        startServices(secrets);
        printWhereToLook();
        console = new IncidentConsole("127.0.0.1:" + KAFKA_PORT, startedAt);
        console.start();
        watchChildren();
    }

    boolean down() throws InterruptedException {
        boolean any = false;
        var launcher = ManagedProcess.fromPidFile(run.resolve("launcher.pid"));
        if (launcher.isPresent()) {
            any = true;
            say("Stopping the launcher (pid " + launcher.get().pid() + ") and everything it started...");
            ManagedProcess.stop(launcher.get(), Duration.ofSeconds(90));
        }
        any |= stopLeftovers();
        boolean clean = !anythingRunning();
        say(clean ? (any ? "AOF is down: no process of the suite is running." : "AOF was not running.")
                : "Some processes could not be stopped; see ./aof status");
        return clean;
    }

    void status() throws IOException {
        for (String name : names()) {
            var h = ManagedProcess.fromPidFile(run.resolve(name + ".pid"));
            System.out.printf("%-13s %s%n", name, h.map(p -> "running (pid " + p.pid() + ")").orElse("stopped"));
        }
        var pg = ManagedProcess.fromPidFile(state.resolve("pg/postmaster.pid"));
        System.out.printf("%-13s %s%n", "postgres", pg.map(p -> "running (pid " + p.pid() + ")").orElse("stopped"));
    }

    // --- infrastructure

    private void startPostgres() throws IOException {
        say("Starting PostgreSQL on 127.0.0.1:" + PG_PORT + " ...");
        Path data = state.resolve("pg");
        Files.createDirectories(data);
        postgres = EmbeddedPostgres.builder().setDataDirectory(data.toFile()).setCleanDataDirectory(false)
                .setPort(PG_PORT).setPGStartupWait(Duration.ofSeconds(60)).setOutputRedirector(
                        ProcessBuilder.Redirect.appendTo(logs.resolve("postgres.log").toFile()))
                .setErrorRedirector(ProcessBuilder.Redirect.appendTo(logs.resolve("postgres.log").toFile()))
                .start();
    }

    private void startKafka() throws Exception {
        say("Starting Kafka (KRaft) on 127.0.0.1:" + KAFKA_PORT + " ...");
        Path kafka = state.resolve("kafka");
        Path data = kafka.resolve("data");
        Files.createDirectories(data);
        Path config = kafka.resolve("server.properties");
        Files.writeString(config, String.join("\n",
                "process.roles=broker,controller",
                "node.id=1",
                "controller.quorum.bootstrap.servers=127.0.0.1:" + (KAFKA_PORT + 1),
                "listeners=PLAINTEXT://127.0.0.1:" + KAFKA_PORT + ",CONTROLLER://127.0.0.1:" + (KAFKA_PORT + 1),
                "advertised.listeners=PLAINTEXT://127.0.0.1:" + KAFKA_PORT,
                "controller.listener.names=CONTROLLER",
                "listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT",
                "inter.broker.listener.name=PLAINTEXT",
                "log.dirs=" + data,
                "num.partitions=6",
                "offsets.topic.replication.factor=1",
                "transaction.state.log.replication.factor=1",
                "transaction.state.log.min.isr=1",
                "share.coordinator.state.topic.replication.factor=1",
                "share.coordinator.state.topic.min.isr=1",
                "group.initial.rebalance.delay.ms=0",
                "") );
        Path log4j = kafka.resolve("log4j2.properties");
        Files.writeString(log4j, String.join("\n",
                "rootLogger.level=INFO",
                "rootLogger.appenderRef.stdout.ref=STDOUT",
                "appender.stdout.type=Console",
                "appender.stdout.name=STDOUT",
                "appender.stdout.layout.type=PatternLayout",
                "appender.stdout.layout.pattern=[%d] %p %m (%c)%n",
                "logger.kafka.name=kafka",
                "logger.kafka.level=WARN",
                "logger.apache.name=org.apache.kafka",
                "logger.apache.level=WARN",
                ""));
        String classpath = libDir() + File.separator + "*";
        if (!Files.exists(data.resolve("meta.properties"))) {
            Process format = new ProcessBuilder(java(), "-cp", classpath, "-Dlog4j2.configurationFile=" + log4j,
                    "kafka.tools.StorageTool", "format", "--standalone", "-t", Uuid.randomUuid().toString(), "-c",
                    config.toString()).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(logs.resolve("kafka.log").toFile())).start();
            if (format.waitFor() != 0) {
                fail("Formatting Kafka's storage failed; see " + logs.resolve("kafka.log"));
            }
        }
        children.add(ManagedProcess.start("kafka", List.of(java(), "-Xms128m", "-Xmx512m",
                "-Dlog4j2.configurationFile=" + log4j, "-cp", classpath, "kafka.Kafka", config.toString()), Map.of(),
                logs, run, root.toFile()));
        waitForPort("kafka", KAFKA_PORT, Duration.ofSeconds(60));
    }

    private void startSimulator(Properties secrets) throws Exception {
        say("Starting the Workato simulator, Slack sink and mail catcher on http://localhost:" + SIM_PORT + " ...");
        // a fresh simulator is a fresh workspace: give its recipes ids no earlier run used
        long firstRecipeId = (System.currentTimeMillis() / 1000 % 10_000_000) * 100 + 1;
        children.add(ManagedProcess.start("simulator", List.of(java(), "-Xmx256m", "-jar",
                jar("workato-simulator").toString(), "--sim.demo.enabled=true",
                "--sim.first-recipe-id=" + firstRecipeId, "--sim.smtp-port=" + SMTP_PORT),
                Map.of("SIM_API_TOKEN", secrets.getProperty("workato.token"),
                        "SIM_SLACK_TOKEN", secrets.getProperty("slack.token"),
                        "SIM_PORT", Integer.toString(SIM_PORT)), logs, run, root.toFile()));
        waitForHealth("simulator", SIM_PORT, Duration.ofSeconds(120));
    }

    private void startServices(Properties secrets) throws Exception {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("AOF_WORKSPACE", envOr("AOF_WORKSPACE", "demo"));
        env.put("AOF_DB_URL", "jdbc:postgresql://127.0.0.1:" + PG_PORT + "/postgres");
        env.put("AOF_DB_USER", "postgres");
        env.put("AOF_DB_PASSWORD", "postgres");
        env.put("AOF_KAFKA_BOOTSTRAP", "127.0.0.1:" + KAFKA_PORT);
        env.put("WORKATO_BASE_URL", envOr("WORKATO_BASE_URL", "http://127.0.0.1:" + SIM_PORT + "/api"));
        env.put("WORKATO_API_TOKEN", envOr("WORKATO_API_TOKEN", secrets.getProperty("workato.token")));
        env.put("SLACK_API_URL", envOr("SLACK_API_URL", "http://127.0.0.1:" + SIM_PORT + "/slack/api/"));
        env.put("SLACK_BOT_TOKEN", envOr("SLACK_BOT_TOKEN", secrets.getProperty("slack.token")));
        env.put("SLACK_CHANNEL", envOr("SLACK_CHANNEL", "#aof-ops"));
        env.put("SLACK_ADMIN_CHANNEL", envOr("SLACK_ADMIN_CHANNEL", "#aof-admin"));
        env.put("AOF_WEBHOOK_TOKEN", envOr("AOF_WEBHOOK_TOKEN", secrets.getProperty("webhook.token")));
        env.put("AOF_OPS_PASSWORD", envOr("AOF_OPS_PASSWORD", secrets.getProperty("ops.password")));
        env.put("SPRING_MAIL_HOST", envOr("SPRING_MAIL_HOST", "127.0.0.1"));
        env.put("SPRING_MAIL_PORT", envOr("SPRING_MAIL_PORT", Integer.toString(SMTP_PORT)));
        env.put("AOF_MAIL_ADMIN_TO", envOr("AOF_MAIL_ADMIN_TO", "admin@aof.local"));
        env.put("AOF_MAIL_REPORT_TO", envOr("AOF_MAIL_REPORT_TO", "reports@aof.local"));
        // the local run's timings: seconds instead of the production minutes
        Map<String, List<String>> demoArgs = Map.of(
                "collation", List.of("--aof.collation.poll-interval=5s", "--aof.collation.stats-interval=1m",
                        "--aof.workato.resilience.reads-per-minute=30"),
                "orchestrator", List.of("--aof.orchestrator.policies.defaults.initial-delay=3s",
                        "--aof.orchestrator.policies.defaults.multiplier=1.5",
                        "--aof.orchestrator.policies.defaults.max-delay=10s"),
                "recovery", List.of("--aof.recovery.watch-interval=5s",
                        "--aof.workato.resilience.reads-per-minute=30"),
                // the daily report, and one of the last 5 minutes every 5 minutes to see it working
                "logger", List.of("--aof.logger.report.schedules[0].name=daily",
                        "--aof.logger.report.schedules[0].cron=0 0 8 * * *",
                        "--aof.logger.report.schedules[0].period=1d",
                        "--aof.logger.report.schedules[1].name=demo-5min",
                        "--aof.logger.report.schedules[1].cron=0 */5 * * * *",
                        "--aof.logger.report.schedules[1].period=5m",
                        "--aof.logger.report.check-interval=10s"));
        for (String[] s : SERVICES) {
            say("Starting " + s[0] + " on http://localhost:" + s[1] + " ...");
            List<String> cmd = new ArrayList<>(List.of(java(), "-Xmx384m", "-XX:TieredStopAtLevel=1", "-jar",
                    jar(s[2]).toString()));
            cmd.addAll(demoArgs.getOrDefault(s[0], List.of()));
            children.add(ManagedProcess.start(s[0], cmd, env, logs, run, root.toFile()));
        }
        for (String[] s : SERVICES) {
            waitForHealth(s[0], Integer.parseInt(s[1]), Duration.ofSeconds(240));
        }
    }

    private void printWhereToLook() {
        String line = "-".repeat(78);
        System.out.println(line);
        System.out.println("AOF is up. Where to look:");
        System.out.println("  ops page       http://localhost:8082/ops/ (operator: ops, password: ops.password in "
                + ".aof/secrets.properties)");
        System.out.println("  incidents      curl 'http://localhost:8082/api/incidents?state=RECOVERED'");
        System.out.println("                 curl 'http://localhost:8082/api/incidents?state=EXHAUSTED'");
        System.out.println("  one incident   curl 'http://localhost:8082/api/incidents/<incident id>'");
        System.out.println("  its timeline   curl 'http://localhost:8085/api/incidents/<incident id>/timeline'");
        System.out.println("  Slack sink     curl 'http://localhost:" + SIM_PORT + "/sim/slack/messages'");
        System.out.println("  mail catcher   curl 'http://localhost:" + SIM_PORT + "/sim/mail/messages'");
        System.out.println("  job report     curl 'http://localhost:8085/api/reports?from=<ISO time>&to=<ISO time>'"
                + " (and every 5 minutes in Slack and mail)");
        System.out.println("  Workato calls  curl 'http://localhost:" + SIM_PORT + "/sim/calls'");
        System.out.println("  webhook        POST http://localhost:8081/api/webhooks/job-failures "
                + "(token: webhook.token in .aof/secrets.properties)");
        System.out.println("  logs           " + logs);
        System.out.println("Stop with Ctrl-C or ./aof down. Incident transitions follow as they happen:");
        System.out.println(line);
    }

    private void watchChildren() throws InterruptedException {
        List<String> reported = new ArrayList<>();
        while (!stopped.await(2, java.util.concurrent.TimeUnit.SECONDS)) {
            for (ManagedProcess p : children) {
                if (!p.isAlive() && !reported.contains(p.name)) {
                    reported.add(p.name);
                    say("!! " + p.name + " exited with code " + p.exitCode() + "; see " + logs.resolve(p.name
                            + ".log"));
                }
            }
        }
    }

    private void shutdown() {
        say("Stopping AOF ...");
        stopped.countDown();
        if (console != null) {
            console.close();
        }
        List<ManagedProcess> reversed = new ArrayList<>(children);
        java.util.Collections.reverse(reversed);
        // services and the simulator in parallel, then the broker, then the database
        reversed.stream().filter(p -> !p.name.equals("kafka")).parallel()
                .forEach(p -> p.stop(Duration.ofSeconds(30)));
        reversed.stream().filter(p -> p.name.equals("kafka")).forEach(p -> p.stop(Duration.ofSeconds(30)));
        if (postgres != null) {
            try {
                postgres.close();
            } catch (IOException e) {
                say("Stopping PostgreSQL: " + e.getMessage());
            }
        }
        try {
            Files.deleteIfExists(run.resolve("launcher.pid"));
        } catch (IOException ignored) {
            // nothing left to do
        }
        say("AOF stopped.");
    }

    /** Stops processes of an earlier run whose launcher died without cleaning up. */
    private boolean stopLeftovers() {
        boolean any = false;
        List<String> order = new ArrayList<>(names());
        order.remove("kafka");
        order.add("kafka");
        for (String name : order) {
            var h = ManagedProcess.fromPidFile(run.resolve(name + ".pid"));
            if (h.isPresent() && !name.equals("launcher")) {
                any = true;
                say("Stopping leftover " + name + " (pid " + h.get().pid() + ")");
                ManagedProcess.stop(h.get(), Duration.ofSeconds(30));
            }
            try {
                Files.deleteIfExists(run.resolve(name + ".pid"));
            } catch (IOException ignored) {
                // harmless
            }
        }
        var pg = ManagedProcess.fromPidFile(state.resolve("pg/postmaster.pid"));
        if (pg.isPresent()) {
            any = true;
            say("Stopping leftover PostgreSQL (pid " + pg.get().pid() + ")");
            ManagedProcess.stop(pg.get(), Duration.ofSeconds(30));
        }
        return any;
    }

    private boolean anythingRunning() {
        return names().stream().anyMatch(n -> ManagedProcess.fromPidFile(run.resolve(n + ".pid")).isPresent())
                || ManagedProcess.fromPidFile(state.resolve("pg/postmaster.pid")).isPresent();
    }

    private List<String> names() {
        List<String> n = new ArrayList<>(List.of("launcher", "kafka", "simulator"));
        SERVICES.forEach(s -> n.add(s[0]));
        return n;
    }

    // --- helpers

    private Properties secrets() throws IOException {
        Path file = state.resolve("secrets.properties");
        Properties p = new Properties();
        if (Files.exists(file)) {
            try (var in = Files.newInputStream(file)) {
                p.load(in);
            }
        }
        boolean changed = false;
        for (String key : List.of("workato.token", "slack.token", "webhook.token", "ops.password")) {
            if (!p.containsKey(key)) {
                p.setProperty(key, (key.startsWith("slack") ? "xoxb-local-" : "local-") + randomHex());
                changed = true;
            }
        }
        if (changed) {
            saveSecrets(p);
        }
        return p;
    }

    private void saveSecrets(Properties p) throws IOException {
        Path file = state.resolve("secrets.properties");
        Files.createDirectories(state);
        try (var out = Files.newOutputStream(file)) {
            p.store(out, "Secrets of the local run only (generated). Never commit.");
        }
        try {
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        } catch (UnsupportedOperationException ignored) {
            // not a POSIX file system
        }
    }

    private static String randomHex() {
        byte[] b = new byte[16];
        new SecureRandom().nextBytes(b);
        return HexFormat.of().formatHex(b);
    }

    private void checkPortsFree() {
        List<Integer> ports = new ArrayList<>(List.of(PG_PORT, KAFKA_PORT, KAFKA_PORT + 1, SIM_PORT));
        SERVICES.forEach(s -> ports.add(Integer.parseInt(s[1])));
        List<Integer> busy = ports.stream().filter(p -> !free(p)).toList();
        if (!busy.isEmpty()) {
            fail("Port(s) " + busy + " are in use; stop what uses them (or set AOF_PG_PORT / AOF_KAFKA_PORT)");
        }
    }

    private static boolean free(int port) {
        try (ServerSocket s = new ServerSocket()) {
            s.setReuseAddress(true);
            s.bind(new InetSocketAddress("127.0.0.1", port));
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private void waitForPort(String name, int port, Duration timeout) throws InterruptedException {
        Instant end = Instant.now().plus(timeout);
        while (Instant.now().isBefore(end)) {
            try (var socket = new java.net.Socket()) {
                socket.connect(new InetSocketAddress("127.0.0.1", port), 500);
                return;
            } catch (IOException e) {
                checkAlive(name);
                Thread.sleep(250);
            }
        }
        fail(name + " did not open port " + port + " within " + timeout.toSeconds() + " s; see " + logs);
    }

    private void waitForHealth(String name, int port, Duration timeout) throws InterruptedException {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        HttpRequest req = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/actuator/health"))
                .timeout(Duration.ofSeconds(5)).build();
        Instant end = Instant.now().plus(timeout);
        while (Instant.now().isBefore(end)) {
            try {
                HttpResponse<String> r = http.send(req, HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200 && r.body().contains("\"UP\"")) {
                    say(name + " is up");
                    return;
                }
            } catch (IOException e) {
                // not yet
            }
            checkAlive(name);
            Thread.sleep(500);
        }
        fail(name + " was not healthy within " + timeout.toSeconds() + " s; see " + logs.resolve(name + ".log"));
    }

    private void checkAlive(String name) {
        children.stream().filter(p -> p.name.equals(name) && !p.isAlive()).findFirst().ifPresent(p ->
                fail(name + " exited with code " + p.exitCode() + "; see " + logs.resolve(name + ".log")));
    }

    private Path jar(String module) {
        Path target = root.resolve(module).resolve("target");
        try (Stream<Path> files = Files.list(target)) {
            return files.filter(f -> f.getFileName().toString().endsWith("-exec.jar")).findFirst()
                    .orElseThrow(() -> new IllegalStateException("no executable jar in " + target
                            + "; build with ./mvnw -DskipTests package"));
        } catch (IOException e) {
            throw new UncheckedIOException("no " + target + "; build with ./mvnw -DskipTests package", e);
        }
    }

    private Path libDir() {
        return root.resolve("launcher/target/lib");
    }

    private static String java() {
        return ProcessHandle.current().info().command().orElse("java");
    }

    private static String envOr(String name, String fallback) {
        String v = System.getenv(name);
        return v == null || v.isBlank() ? fallback : v;
    }

    private static int intEnv(String name, int fallback) {
        return Integer.parseInt(envOr(name, Integer.toString(fallback)));
    }

    static void say(String message) {
        System.out.println("[aof] " + message);
    }

    private static void fail(String message) {
        throw new LaunchException(message);
    }

    static final class LaunchException extends RuntimeException {
        LaunchException(String message) {
            super(message);
        }
    }
}
