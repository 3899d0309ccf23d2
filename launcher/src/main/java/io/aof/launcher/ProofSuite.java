package io.aof.launcher;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

/**
 * The suite of a proof run as separate processes, the way {@code ./aof up} runs it, in a state folder
 * and on ports of its own: PostgreSQL (the zonky binaries, run directly so that it can be killed with
 * {@code kill -9} and started again on the same data), a KRaft broker, the simulator and the five
 * services, plus second instances of the orchestrator and recovery. Every process can be killed and
 * started again by name.
 */
final class ProofSuite implements AutoCloseable {

    /** The processes a proof runs, by name: module and port offset from the base port. */
    static final Map<String, String[]> SERVICES = new LinkedHashMap<>();

    static {
        SERVICES.put("collation", new String[]{"collation-service", "21"});
        SERVICES.put("orchestrator", new String[]{"orchestrator-service", "22"});
        SERVICES.put("recovery", new String[]{"recovery-service", "23"});
        SERVICES.put("notifier", new String[]{"notifier-service", "24"});
        SERVICES.put("logger", new String[]{"logger-service", "25"});
        SERVICES.put("orchestrator-2", new String[]{"orchestrator-service", "32"});
        SERVICES.put("recovery-2", new String[]{"recovery-service", "33"});
    }

    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(3)).build();

    final Path root;
    final Path state;
    final Path logs;
    final Path run;
    final int base;
    final String brokerClasspath;
    final ProofOptions options;
    final String webhookToken = "proof-webhook-" + Long.toHexString(System.nanoTime());
    final String opsPassword = "proof-ops-" + Long.toHexString(System.nanoTime());
    private final Map<String, ManagedProcess> procs = new LinkedHashMap<>();
    private final Map<String, List<String>> commands = new LinkedHashMap<>();
    private final Map<String, Map<String, String>> envs = new LinkedHashMap<>();
    private Path pgBinary;
    /** Set by {@link #tune}: a benchmark's own settings instead of the proof's (null: the proof's). */
    private Tuning tuning;

    /**
     * Another run's settings for the same processes (the pipeline benchmark's): the services' JVM options,
     * each service module's command-line arguments (replacing the proof's), extra JVM options by process name
     * (e.g. a flight recording), and extra PostgreSQL settings ({@code -c name=value}).
     */
    record Tuning(List<String> serviceJvm, Map<String, List<String>> argsByModule,
                  Map<String, List<String>> extraJvmByName, List<String> postgresSettings) {
    }

    /** Runs the processes with {@code tuning} instead of the proof's settings; call before starting them. */
    void tune(Tuning tuning) {
        this.tuning = tuning;
    }

    /** The pid of the named process as started last (-1: not started). */
    long pid(String name) {
        ManagedProcess p = procs.get(name);
        return p == null ? -1 : p.pid();
    }

    ProofSuite(Path root, ProofOptions options, String brokerClasspath) {
        this.root = root;
        this.options = options;
        this.state = options.state();
        this.logs = state.resolve("logs");
        this.run = state.resolve("run");
        this.base = options.portBase();
        this.brokerClasspath = brokerClasspath;
    }

    int pgPort() {
        return base;
    }

    int kafkaPort() {
        return base + 1;
    }

    int simPort() {
        return base + 10;
    }

    int smtpPort() {
        return base + 11;
    }

    int port(String service) {
        return base + Integer.parseInt(SERVICES.get(service)[1]);
    }

    String url(String service) {
        return "http://127.0.0.1:" + port(service);
    }

    String simUrl() {
        return "http://127.0.0.1:" + simPort();
    }

    String jdbcUrl() {
        return "jdbc:postgresql://127.0.0.1:" + pgPort() + "/postgres";
    }

    String bootstrap() {
        return "127.0.0.1:" + kafkaPort();
    }

    /** A connection to the suite's PostgreSQL (every service's schema), for reading AOF's tables. */
    Connection db() throws SQLException {
        Properties p = new Properties();
        p.setProperty("user", "postgres");
        p.setProperty("password", "postgres");
        p.setProperty("connectTimeout", "5");
        p.setProperty("socketTimeout", "60");
        return DriverManager.getConnection(jdbcUrl(), p);
    }

    /** GET of a service's API or Actuator path as the suite's operator ({@code ops}); any status is returned. */
    HttpResponse<String> getAsOps(String service, String path) throws IOException, InterruptedException {
        String auth = Base64.getEncoder().encodeToString(("ops:" + opsPassword).getBytes(StandardCharsets.UTF_8));
        return HTTP.send(HttpRequest.newBuilder(URI.create(url(service) + path)).timeout(Duration.ofSeconds(30))
                .header("Authorization", "Basic " + auth).build(), HttpResponse.BodyHandlers.ofString());
    }

    // --- start

    void startInfrastructure() throws Exception {
        Files.createDirectories(logs);
        Files.createDirectories(run);
        initPostgres();
        start("postgres");
        initKafka();
        start("kafka");
        defineSimulator();
        start("simulator");
    }

    void startServices(List<String> names) throws Exception {
        defineServices();
        for (String name : names) {
            start(name);
        }
        for (String name : names) {
            awaitUp(name, Duration.ofSeconds(300));
        }
    }

    /** Starts (or starts again) a process of the suite by name and waits until it answers. */
    void start(String name) throws Exception {
        ManagedProcess p = ManagedProcess.start(name, commands.get(name), envs.getOrDefault(name, Map.of()), logs,
                run, root.toFile());
        procs.put(name, p);
        if (!SERVICES.containsKey(name)) {
            awaitUp(name, Duration.ofSeconds(180));
        }
    }

    void awaitUp(String name, Duration timeout) throws InterruptedException {
        Instant end = Instant.now().plus(timeout);
        while (Instant.now().isBefore(end)) {
            if (isUp(name)) {
                return;
            }
            ManagedProcess p = procs.get(name);
            if (p != null && !p.isAlive()) {
                throw new IllegalStateException(name + " exited with code " + p.exitCode() + "; see "
                        + logs.resolve(name + ".log"));
            }
            Thread.sleep(300);
        }
        throw new IllegalStateException(name + " was not up within " + timeout.toSeconds() + " s; see "
                + logs.resolve(name + ".log"));
    }

    boolean isUp(String name) {
        return switch (name) {
            case "postgres" -> SuiteParts.open(pgPort());
            case "kafka" -> SuiteParts.open(kafkaPort());
            case "simulator" -> SuiteParts.healthy(simPort());
            default -> SuiteParts.healthy(port(name));
        };
    }

    /** kill -9 of the named process; for PostgreSQL, also waits until its backends noticed and exited. */
    void kill(String name) throws InterruptedException {
        ManagedProcess p = procs.get(name);
        if (p == null) {
            return;
        }
        List<ProcessHandle> children = ProcessHandle.of(p.pid()).map(h -> h.descendants().toList())
                .orElse(List.of());
        p.kill();
        Instant end = Instant.now().plusSeconds(60);
        for (ProcessHandle c : children) {
            while (c.isAlive() && Instant.now().isBefore(end)) {
                Thread.sleep(100);
            }
        }
    }

    boolean isAlive(String name) {
        ManagedProcess p = procs.get(name);
        return p != null && p.isAlive();
    }

    private boolean closed;

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        List<String> names = new ArrayList<>(procs.keySet());
        java.util.Collections.reverse(names);
        names.stream().filter(n -> SERVICES.containsKey(n) || n.equals("simulator")).parallel()
                .forEach(n -> procs.get(n).stop(Duration.ofSeconds(20)));
        for (String n : List.of("kafka", "postgres")) {
            ManagedProcess p = procs.get(n);
            if (p != null) {
                p.stop(Duration.ofSeconds(30));
            }
        }
    }

    // --- definitions

    private void initPostgres() throws IOException {
        Path data = state.resolve("pg");
        if (!Files.exists(data.resolve("PG_VERSION"))) {
            Files.createDirectories(data);
            // zonky extracts the binaries and runs initdb; the postmaster it started tells where they are
            try (EmbeddedPostgres pg = EmbeddedPostgres.builder().setDataDirectory(data.toFile())
                    .setCleanDataDirectory(false).setPort(pgPort()).setPGStartupWait(Duration.ofSeconds(60))
                    .setOutputRedirector(ProcessBuilder.Redirect.appendTo(logs.resolve("postgres.log").toFile()))
                    .setErrorRedirector(ProcessBuilder.Redirect.appendTo(logs.resolve("postgres.log").toFile()))
                    .start()) {
                long pid = Long.parseLong(Files.readAllLines(data.resolve("postmaster.pid")).get(0).trim());
                pgBinary = Path.of(ProcessHandle.of(pid).orElseThrow().info().command().orElseThrow());
            }
        }
        Path sockets = state.resolve("pg-sockets");
        Files.createDirectories(sockets);
        List<String> cmd = new ArrayList<>();
        if ("root".equals(System.getProperty("user.name"))) {
            // PostgreSQL refuses to run as root; zonky runs it in a user namespace (unshare -U) then, and so do we
            cmd.addAll(List.of("unshare", "-U"));
        }
        cmd.addAll(List.of(pgBinary.toString(), "-D", data.toString(), "-p", Integer.toString(pgPort()),
                "-c", "listen_addresses=127.0.0.1", "-c", "unix_socket_directories=" + sockets,
                "-c", "max_connections=300", "-c", "shared_buffers=128MB"));
        if (tuning != null) {
            tuning.postgresSettings().forEach(setting -> cmd.addAll(List.of("-c", setting)));
        }
        commands.put("postgres", cmd);
    }

    private void initKafka() throws Exception {
        commands.put("kafka", SuiteParts.kafka(state, logs, kafkaPort(), brokerClasspath));
    }

    private void defineSimulator() {
        commands.put("simulator", List.of(SuiteParts.java(), "-Xmx768m", "-XX:TieredStopAtLevel=1", "-jar",
                SuiteParts.jar(root, "workato-simulator").toString(),
                "--sim.first-recipe-id=" + ((System.currentTimeMillis() / 1000 % 10_000_000) * 100 + 1),
                "--sim.smtp-port=" + smtpPort(),
                "--sim.reads-per-minute=" + options.readsPerMinute(),
                "--sim.repeats-per-second=" + options.repeatsPerSecond(),
                "--sim.job-duration=1s",
                "--logging.level.slack-sink=WARN"));
        envs.put("simulator", Map.of("SIM_API_TOKEN", "proof-workato-token", "SIM_SLACK_TOKEN", "xoxb-proof",
                "SIM_PORT", Integer.toString(simPort())));
    }

    private void defineServices() {
        Map<String, String> env = SuiteParts.serviceEnvironment(new SuiteParts.Endpoints("proof", jdbcUrl(),
                bootstrap(), simUrl() + "/api", "proof-workato-token", simUrl() + "/slack/api/", "xoxb-proof",
                webhookToken, opsPassword, smtpPort()));
        int reads = options.readsPerMinute();
        int collationReads = reads * 2 / 3;
        int recoveryReads = reads - collationReads;
        Map<String, List<String>> args = new LinkedHashMap<>();
        args.put("collation-service", List.of("--aof.collation.poll-interval=" + options.pollInterval().toMillis() + "ms",
                "--aof.collation.stats-interval=1m",
                "--aof.workato.resilience.reads-per-minute=" + collationReads,
                "--aof.collation.webhook.verify-delay=3s",
                "--aof.collation.webhook.per-source-per-minute=100000",
                "--aof.collation.watch.exclude-name-patterns[0]=Webhook only.*"));
        args.put("orchestrator-service", List.of("--aof.orchestrator.policies.defaults.initial-delay=2s",
                "--aof.orchestrator.policies.defaults.multiplier=1.5",
                "--aof.orchestrator.policies.defaults.max-delay=5s",
                "--aof.orchestrator.policies.defaults.max-attempts=" + ProofOptions.MAX_ATTEMPTS));
        args.put("recovery-service", List.of("--aof.recovery.watch-interval=2s",
                "--aof.workato.resilience.reads-per-minute=" + recoveryReads,
                "--aof.recovery.repeat-call-gap=" + (1000 / options.repeatsPerSecond() + 20) + "ms"));
        args.put("notifier-service", List.of("--aof.notifier.grouping.group-interval=20s",
                "--aof.notifier.dispatch-interval=200ms"));
        args.put("logger-service", List.of("--aof.logger.dead-letters.check-interval=5s"));
        if (tuning != null) {
            args = tuning.argsByModule();
        }
        for (var e : SERVICES.entrySet()) {
            String module = e.getValue()[0];
            List<String> cmd = new ArrayList<>(List.of(SuiteParts.java()));
            cmd.addAll(tuning != null ? tuning.serviceJvm() : List.of("-Xmx384m", "-XX:TieredStopAtLevel=1",
                    "-XX:+UseSerialGC"));
            if (tuning != null) {
                cmd.addAll(tuning.extraJvmByName().getOrDefault(e.getKey(), List.of()));
            }
            cmd.addAll(List.of("-jar", SuiteParts.jar(root, module).toString(), "--server.port=" + port(e.getKey())));
            cmd.addAll(args.getOrDefault(module, List.of()));
            commands.put(e.getKey(), cmd);
            Map<String, String> own = new LinkedHashMap<>(env);
            if (e.getKey().endsWith("-2")) {
                // the simulator tells the instances apart by the Host they address
                own.put("WORKATO_BASE_URL", "http://localhost:" + simPort() + "/api");
            }
            envs.put(e.getKey(), own);
        }
    }
}
