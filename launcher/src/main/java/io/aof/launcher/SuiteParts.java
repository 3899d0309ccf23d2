package io.aof.launcher;

import org.apache.kafka.common.Uuid;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * What {@code ./aof up} ({@link LocalRun}) and {@code ./aof prove} ({@link ProofSuite}) both need to run the
 * suite as separate processes: a single-node KRaft broker's files, the environment every service gets, the
 * services' jars, and the checks that a process is up.
 */
final class SuiteParts {

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private SuiteParts() {
    }

    /** The JVM options {@code ./aof up} runs each service with (heap capped; C1 only, for a quicker start). */
    static final List<String> LOCAL_SERVICE_JVM = List.of("-Xmx384m", "-XX:TieredStopAtLevel=1");

    /**
     * Writes a single-node KRaft broker's configuration and log settings under {@code state/kafka}, formats its
     * storage the first time, and returns the command that starts it.
     */
    static List<String> kafka(Path state, Path logs, int port, String classpath)
            throws IOException, InterruptedException {
        Path kafka = state.resolve("kafka");
        Path data = kafka.resolve("data");
        Files.createDirectories(data);
        Path config = kafka.resolve("server.properties");
        Files.writeString(config, kafkaServerProperties(port, data));
        Path log4j = kafka.resolve("log4j2.properties");
        Files.writeString(log4j, resource("kafka/log4j2.properties"));
        if (!Files.exists(data.resolve("meta.properties"))) {
            Process format = new ProcessBuilder(java(), "-cp", classpath, "-Dlog4j2.configurationFile=" + log4j,
                    "kafka.tools.StorageTool", "format", "--standalone", "-t", Uuid.randomUuid().toString(), "-c",
                    config.toString()).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(logs.resolve("kafka.log").toFile())).start();
            if (format.waitFor() != 0) {
                throw new IllegalStateException("Formatting Kafka's storage failed; see " + logs.resolve("kafka.log"));
            }
        }
        return List.of(java(), "-Xms128m", "-Xmx512m", "-Dlog4j2.configurationFile=" + log4j, "-cp", classpath,
                "kafka.Kafka", config.toString());
    }

    /** The broker's server.properties (resource kafka/server.properties) for {@code port}, data in {@code data}. */
    static String kafkaServerProperties(int port, Path data) throws IOException {
        return resource("kafka/server.properties").replace("@port@", Integer.toString(port))
                .replace("@controllerPort@", Integer.toString(port + 1)).replace("@logDirs@", data.toString());
    }

    /** The text of one of the launcher's resources (UTF-8). */
    static String resource(String path) throws IOException {
        try (var in = SuiteParts.class.getClassLoader().getResourceAsStream(path)) {
            if (in == null) {
                throw new IllegalStateException("the launcher's resource " + path + " is missing from its jar");
            }
            return new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        }
    }

    /**
     * The extra command-line arguments {@code ./aof up} gives {@code service}: {@code local-run/<service>.args},
     * one per line, without blank lines and {@code #} comments; none when the service has no such file.
     */
    static List<String> localRunArguments(String service) throws IOException {
        if (SuiteParts.class.getClassLoader().getResource("local-run/" + service + ".args") == null) {
            return List.of();
        }
        return resource("local-run/" + service + ".args").lines().map(String::strip)
                .filter(l -> !l.isEmpty() && !l.startsWith("#")).toList();
    }

    /** Where the services find the infrastructure, Workato and Slack, and the secrets they use. */
    record Endpoints(String workspace, String jdbcUrl, String kafkaBootstrap, String workatoUrl, String workatoToken,
                     String slackUrl, String slackToken, String webhookToken, String opsPassword, int smtpPort) {
    }

    /** The environment every service of the suite gets (the same names the README documents). */
    static Map<String, String> serviceEnvironment(Endpoints e) {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("AOF_WORKSPACE", e.workspace());
        env.put("AOF_DB_URL", e.jdbcUrl());
        env.put("AOF_DB_USER", "postgres");
        env.put("AOF_DB_PASSWORD", "postgres");
        env.put("AOF_KAFKA_BOOTSTRAP", e.kafkaBootstrap());
        env.put("WORKATO_BASE_URL", e.workatoUrl());
        env.put("WORKATO_API_TOKEN", e.workatoToken());
        env.put("SLACK_API_URL", e.slackUrl());
        env.put("SLACK_BOT_TOKEN", e.slackToken());
        env.put("SLACK_CHANNEL", "#aof-ops");
        env.put("SLACK_ADMIN_CHANNEL", "#aof-admin");
        env.put("AOF_WEBHOOK_TOKEN", e.webhookToken());
        env.put("AOF_OPS_PASSWORD", e.opsPassword());
        env.put("SPRING_MAIL_HOST", "127.0.0.1");
        env.put("SPRING_MAIL_PORT", Integer.toString(e.smtpPort()));
        env.put("AOF_MAIL_ADMIN_TO", "admin@aof.local");
        env.put("AOF_MAIL_REPORT_TO", "reports@aof.local");
        return env;
    }

    /** A module's executable jar, as {@code ./mvnw -DskipTests install} builds it. */
    static Path jar(Path root, String module) {
        Path target = root.resolve(module).resolve("target");
        try (Stream<Path> files = Files.list(target)) {
            return files.filter(f -> f.getFileName().toString().endsWith("-exec.jar")).findFirst()
                    .orElseThrow(() -> new IllegalStateException("no executable jar in " + target
                            + "; build with ./mvnw -DskipTests install"));
        } catch (IOException e) {
            throw new UncheckedIOException("no " + target + "; build with ./mvnw -DskipTests install", e);
        }
    }

    /** The Java that runs the launcher runs the suite too. */
    static String java() {
        return ProcessHandle.current().info().command().orElse("java");
    }

    /** Whether something listens on the port. */
    static boolean open(int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 500);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** Whether the Spring Boot service (or the simulator) on the port says it is UP. */
    static boolean healthy(int port) {
        try {
            HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
                    + "/actuator/health")).timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
            return r.statusCode() == 200 && r.body().contains("\"UP\"");
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** Deletes a folder and everything in it (a run's state folder before it starts afresh); none: nothing. */
    static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
