package io.aof.launcher;

import org.junit.jupiter.api.Test;

import java.io.StringReader;
import java.nio.file.Path;
import java.util.Properties;

import static org.assertj.core.api.Assertions.assertThat;

/** The configuration files the launcher writes and passes come from its resources, filled in completely. */
class SuitePartsTest {

    @Test
    void theBrokersConfigurationHasItsPortsAndDataDirectoryAndNoPlaceholderLeft() throws Exception {
        Properties p = new Properties();
        p.load(new StringReader(SuiteParts.kafkaServerProperties(29092, Path.of("/tmp/aof-kafka/data"))));

        assertThat(p.getProperty("listeners")).isEqualTo("PLAINTEXT://127.0.0.1:29092,CONTROLLER://127.0.0.1:29093");
        assertThat(p.getProperty("controller.quorum.bootstrap.servers")).isEqualTo("127.0.0.1:29093");
        assertThat(p.getProperty("log.dirs")).isEqualTo("/tmp/aof-kafka/data");
        assertThat(p.values()).noneMatch(v -> v.toString().contains("@"));
        assertThat(SuiteParts.resource("kafka/log4j2.properties")).contains("logger.kafka.level=WARN");
    }

    @Test
    void eachServicesLocalRunArgumentsAreOnePerLineWithoutComments() throws Exception {
        assertThat(SuiteParts.localRunArguments("logger")).contains("--aof.logger.report.schedules[0].cron=0 0 8 * * *")
                .allMatch(a -> a.startsWith("--aof."));
        assertThat(SuiteParts.localRunArguments("collation")).containsExactly("--aof.collation.poll-interval=5s",
                "--aof.collation.stats-interval=1m", "--aof.workato.resilience.reads-per-minute=30");
        assertThat(SuiteParts.localRunArguments("notifier")).isEmpty();
    }
}
