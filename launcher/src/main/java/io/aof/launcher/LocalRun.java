package io.aof.launcher;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.springframework.security.crypto.bcrypt.BCryptPasswordEncoder;

import java.io.File;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;

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
        List<String> command;
        try {
            command = SuiteParts.kafka(state, logs, KAFKA_PORT, libDir() + File.separator + "*");
        } catch (IllegalStateException e) {
            throw new LaunchException(e.getMessage());
        }
        children.add(ManagedProcess.start("kafka", command, Map.of(), logs, run, root.toFile()));
        waitForPort("kafka", KAFKA_PORT, Duration.ofSeconds(60));
    }

    private void startSimulator(Properties secrets) throws Exception {
        say("Starting the Workato simulator, Slack sink and mail catcher on http://localhost:" + SIM_PORT + " ...");
        // a fresh simulator is a fresh workspace: give its recipes ids no earlier run used
        long firstRecipeId = (System.currentTimeMillis() / 1000 % 10_000_000) * 100 + 1;
        children.add(ManagedProcess.start("simulator", List.of(SuiteParts.java(), "-Xmx256m", "-jar",
                SuiteParts.jar(root, "workato-simulator").toString(), "--sim.demo.enabled=true",
                "--sim.first-recipe-id=" + firstRecipeId, "--sim.smtp-port=" + SMTP_PORT,
                // its single sign-on provider's users, for the ops page's "Sign in with single sign-on"
                "--sim.oidc.users.sso-operator=operator", "--sim.oidc.users.sso-viewer=viewer"),
                Map.of("SIM_API_TOKEN", secrets.getProperty("workato.token"),
                        "SIM_SLACK_TOKEN", secrets.getProperty("slack.token"),
                        "SIM_PORT", Integer.toString(SIM_PORT)), logs, run, root.toFile()));
        waitForHealth("simulator", SIM_PORT, Duration.ofSeconds(120));
    }

    private void startServices(Properties secrets) throws Exception {
        Map<String, String> env = SuiteParts.serviceEnvironment(new SuiteParts.Endpoints("demo",
                "jdbc:postgresql://127.0.0.1:" + PG_PORT + "/postgres", "127.0.0.1:" + KAFKA_PORT,
                "http://127.0.0.1:" + SIM_PORT + "/api", secrets.getProperty("workato.token"),
                "http://127.0.0.1:" + SIM_PORT + "/slack/api/", secrets.getProperty("slack.token"),
                secrets.getProperty("webhook.token"), secrets.getProperty("ops.password"), SMTP_PORT));
        env.putAll(localUsers(secrets));
        // the ops page (orchestrator, 8082) reads timelines from the logger (8085): a cross-origin call
        env.put("AOF_SECURITY_CORS_ALLOWEDORIGINS", "http://localhost:8082,http://127.0.0.1:8082");
        // single sign-on with the simulator's OIDC provider: the API takes its tokens, the ops page signs in there
        env.put("AOF_SECURITY_JWT_ISSUERURI", "http://localhost:" + SIM_PORT + "/oidc");
        env.put("AOF_SECURITY_JWT_AUDIENCES", "aof");
        env.put("AOF_OPS_SSOCLIENTID", "aof-ops-page");
        // the real world from the environment, where it is set: a workspace, Workato, Slack, mail, secrets
        // (the database and the broker are the ones this run starts)
        env.replaceAll((name, value) -> name.startsWith("AOF_DB_") || name.equals("AOF_KAFKA_BOOTSTRAP") ? value
                : envOr(name, value));
        // the local run's timings, seconds instead of the production minutes: resources local-run/<service>.args
        for (String[] s : SERVICES) {
            say("Starting " + s[0] + " on http://localhost:" + s[1] + " ...");
            List<String> cmd = new ArrayList<>(List.of(SuiteParts.java()));
            cmd.addAll(SuiteParts.LOCAL_SERVICE_JVM);
            cmd.addAll(List.of("-jar", SuiteParts.jar(root, s[2]).toString()));
            cmd.addAll(SuiteParts.localRunArguments(s[0]));
            children.add(ManagedProcess.start(s[0], cmd, env, logs, run, root.toFile()));
        }
        for (String[] s : SERVICES) {
            waitForHealth(s[0], Integer.parseInt(s[1]), Duration.ofSeconds(240));
        }
    }

    /**
     * A viewer and an operator beside the admin {@code ops} (AOF_OPS_PASSWORD), as local users with BCrypt hashes
     * of their generated passwords (in .aof/secrets.properties): to try what each role may do.
     */
    static Map<String, String> localUsers(Properties secrets) {
        BCryptPasswordEncoder bcrypt = new BCryptPasswordEncoder(10);
        Map<String, String> env = new java.util.LinkedHashMap<>();
        String[] roles = {"viewer", "operator"};
        for (int i = 0; i < roles.length; i++) {
            String prefix = "AOF_SECURITY_USERS_" + i + "_";
            env.put(prefix + "NAME", roles[i]);
            env.put(prefix + "PASSWORDHASH", bcrypt.encode(secrets.getProperty(roles[i] + ".password")));
            env.put(prefix + "ROLES", roles[i]);
        }
        return env;
    }

    private void printWhereToLook() {
        String line = "-".repeat(78);
        System.out.println(line);
        System.out.println("AOF is up. Where to look:");
        System.out.println("  sign in as     viewer, operator or ops (admin); their passwords: viewer.password, "
                + "operator.password, ops.password in .aof/secrets.properties");
        System.out.println("  ops page       http://localhost:8082/ops/");
        System.out.println("                 or \"Sign in with single sign-on\" there, as sso-operator or sso-viewer "
                + "(the simulator plays the provider)");
        System.out.println("  incidents      curl -u viewer:<password> 'http://localhost:8082/api/incidents?state=RECOVERED'");
        System.out.println("                 curl -u viewer:<password> 'http://localhost:8082/api/incidents?state=EXHAUSTED'");
        System.out.println("  one incident   curl -u viewer:<password> 'http://localhost:8082/api/incidents/<incident id>'");
        System.out.println("  its timeline   curl -u viewer:<password> "
                + "'http://localhost:8085/api/incidents/<incident id>/timeline'");
        System.out.println("  Slack sink     curl 'http://localhost:" + SIM_PORT + "/sim/slack/messages'");
        System.out.println("  mail catcher   curl 'http://localhost:" + SIM_PORT + "/sim/mail/messages'");
        System.out.println("  job report     curl -u viewer:<password> "
                + "'http://localhost:8085/api/reports?from=<ISO time>&to=<ISO time>'"
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
        for (String key : List.of("workato.token", "slack.token", "webhook.token", "ops.password",
                "viewer.password", "operator.password")) {
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
            if (SuiteParts.open(port)) {
                return;
            }
            checkAlive(name);
            Thread.sleep(250);
        }
        fail(name + " did not open port " + port + " within " + timeout.toSeconds() + " s; see " + logs);
    }

    private void waitForHealth(String name, int port, Duration timeout) throws InterruptedException {
        Instant end = Instant.now().plus(timeout);
        while (Instant.now().isBefore(end)) {
            if (SuiteParts.healthy(port)) {
                say(name + " is up");
                return;
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

    private Path libDir() {
        return root.resolve("launcher/target/lib");
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
