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
 * docker-compose.yml cannot be run here (no Docker engine): it is checked by
 * Compose itself ({@code docker-compose config}, Debian's package, which .ci/run
 * installs; without it that part is skipped, saying so) and by reading it: every
 * service is there, every module it builds and every file it mounts exists.
 */
class ComposeFileTest {

    static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    static final Path COMPOSE = ROOT.resolve("docker-compose.yml");

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
            ProcessBuilder pb = new ProcessBuilder(composeCommand, "-f", COMPOSE.toString(), "config", "-q")
                    .redirectErrorStream(true);
            for (String v : List.of("AOF_DB_PASSWORD", "AOF_OPS_PASSWORD", "WORKATO_API_TOKEN", "SLACK_BOT_TOKEN",
                    "AOF_WEBHOOK_TOKEN", "AOF_GRAFANA_PASSWORD", "AOF_METRICS_PASSWORD_HASH")) {
                pb.environment().put(v, "validation-only");
            }
            Process p = pb.start();
            assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(p.exitValue()).as(out).isZero();
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
