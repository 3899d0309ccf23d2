package io.aof.e2e;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.testcontainers.DockerClientFactory;

/**
 * The end-to-end tests of {@link EndToEndTest} once more, against Kafka and
 * PostgreSQL in Testcontainers instead of the embedded ones, where a Docker
 * engine runs (CI: .ci/run starts one and builds the images with
 * .ci/docker-images; see {@link ContainerInfrastructure} for which images).
 * Without one the class is skipped, and says why.
 */
@org.junit.jupiter.api.condition.EnabledIf(value = "dockerEngine", disabledReason = "No Docker engine here: "
        + "EndToEndOnContainersTest (Testcontainers Kafka and PostgreSQL) is skipped; the same tests ran on the "
        + "embedded broker and database (.ci/docker-images installs and starts an engine and builds the images)")
class EndToEndOnContainersTest extends EndToEndTest {

    private static ContainerInfrastructure containers;
    private static AofSuite embedded;

    static boolean dockerEngine() {
        // no socket and no DOCKER_HOST: no engine, and no need to let Testcontainers try every strategy
        boolean docker = System.getenv("DOCKER_HOST") != null
                || java.nio.file.Files.exists(java.nio.file.Path.of("/var/run/docker.sock"));
        try {
            return docker && DockerClientFactory.instance().isDockerAvailable();
        } catch (RuntimeException | Error e) {
            return false;
        }
    }

    @BeforeAll
    static void onContainers() {
        embedded = suite;
        containers = new ContainerInfrastructure();
        suite = AofSuite.on(containers);
        sim = new Simulator(suite.simulatorUrl);
    }

    @AfterAll
    static void backToEmbedded() {
        if (containers != null) {
            suite.close();
            containers.close();
            suite = embedded;
            sim = new Simulator(suite.simulatorUrl);
        }
    }
}
