package io.aof.e2e;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * docker-compose.yml, checked by Compose itself ({@code docker-compose config},
 * Debian's package, which .ci/run installs; without it that part is skipped,
 * saying so), with and without the {@code observability} profile, and by
 * reading it: every service is there, every module it builds and every file it
 * mounts exists, the services that need images from a registry are behind the
 * profile, and no secret has a default. The core stack itself is run by
 * {@code .ci/compose-smoke} (after this test run, where a Docker engine is).
 */
class ComposeFileTest {

    static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    static final Path COMPOSE = ROOT.resolve("docker-compose.yml");
    /** The broker version AOF runs on everywhere: the root pom's {@code kafka-server.version}. */
    static final String KAFKA_VERSION = kafkaServerVersion();

    private static String kafkaServerVersion() {
        try {
            java.util.regex.Matcher m = java.util.regex.Pattern
                    .compile("<kafka-server.version>([^<]+)</kafka-server.version>")
                    .matcher(Files.readString(ROOT.resolve("pom.xml")));
            if (!m.find()) {
                throw new IllegalStateException("no kafka-server.version in the root pom");
            }
            return m.group(1);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    @SuppressWarnings("unchecked")
    void everyServiceIsThereAndEverythingItBuildsOrMountsExists() throws Exception {
        Map<String, Object> compose = new Yaml().load(Files.readString(COMPOSE));
        Map<String, Map<String, Object>> services = (Map<String, Map<String, Object>>) compose.get("services");
        assertThat(services).containsOnlyKeys("kafka", "postgres", "simulator", "collation", "orchestrator",
                "recovery", "notifier", "logger", "mailpit", "prometheus", "grafana");
        for (Map.Entry<String, Map<String, Object>> s : services.entrySet()) {
            Map<String, Object> build = (Map<String, Object>) s.getValue().get("build");
            if (build != null) {
                String module = ((Map<String, String>) build.get("args")).get("MODULE");
                assertThat(ROOT.resolve(module).resolve("pom.xml")).as(s.getKey()).exists();
            }
            for (Object volume : (List<Object>) s.getValue().getOrDefault("volumes", List.of())) {
                String source = volume.toString().split(":")[0];
                if (source.startsWith("./") && !source.endsWith("metrics-password")) {
                    assertThat(ROOT.resolve(source)).as(s.getKey() + " mounts " + source).exists();
                }
            }
        }
        // what needs an image from a registry is behind the profile; the core stack can run on local images
        for (String observability : List.of("mailpit", "prometheus", "grafana")) {
            assertThat(services.get(observability).get("profiles")).as(observability)
                    .isEqualTo(List.of("observability"));
        }
        for (String core : List.of("kafka", "postgres", "simulator", "collation", "orchestrator", "recovery",
                "notifier", "logger")) {
            assertThat(services.get(core)).as(core).doesNotContainKey("profiles");
        }
        assertThat(services.get("kafka").get("image")).isEqualTo("${AOF_KAFKA_IMAGE:-apache/kafka:"
                + KAFKA_VERSION + "}");
        // no secret has a default: each must come from the environment
        String text = Files.readString(COMPOSE);
        for (String secret : List.of("AOF_DB_PASSWORD", "AOF_OPS_PASSWORD", "WORKATO_API_TOKEN", "SLACK_BOT_TOKEN",
                "AOF_WEBHOOK_TOKEN", "AOF_GRAFANA_PASSWORD", "AOF_METRICS_PASSWORD_HASH")) {
            assertThat(text).contains("${" + secret + ":?").doesNotContain("${" + secret + ":-");
        }
    }

    @Test
    void composeItselfAcceptsTheFile() throws Exception {
        String composeCommand = System.getenv().getOrDefault("AOF_COMPOSE_COMMAND", "docker-compose");
        Assumptions.assumeTrue(onPath(composeCommand), "'" + composeCommand + "' is not installed here: the "
                + "Compose validation is skipped (apt-get install docker-compose; .ci/run does)");
        Path password = ROOT.resolve("ops/prometheus/metrics-password");
        boolean made = !Files.exists(password) && Files.writeString(password, "x") != null;
        try {
            for (List<String> profile : List.of(List.<String>of(), List.of("--profile", "observability"))) {
                List<String> command = new java.util.ArrayList<>(List.of(composeCommand, "-f", COMPOSE.toString()));
                command.addAll(profile);
                command.addAll(List.of("config", "-q"));
                ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
                for (String v : List.of("AOF_DB_PASSWORD", "AOF_OPS_PASSWORD", "WORKATO_API_TOKEN", "SLACK_BOT_TOKEN",
                        "AOF_WEBHOOK_TOKEN", "AOF_GRAFANA_PASSWORD", "AOF_METRICS_PASSWORD_HASH")) {
                    pb.environment().put(v, "validation-only");
                }
                Process p = pb.start();
                assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
                String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                assertThat(p.exitValue()).as(String.join(" ", command) + ": " + out).isZero();
            }
        } finally {
            if (made) {
                Files.delete(password);
            }
        }
    }

    private static boolean onPath(String command) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            if (Files.isExecutable(Path.of(dir, command))) {
                return true;
            }
        }
        return false;
    }
}
