package io.aof.orchestrator;

import io.aof.testsupport.AofArchitecture;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.util.stream.Stream;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

/** The layering of {@link AofArchitecture}, one test per rule, on this service's compiled classes. */
class ArchitectureTest {

    @TestFactory
    Stream<DynamicTest> layering() {
        return AofArchitecture.check("orchestrator",
                noClasses().that().resideInAPackage("io.aof.orchestrator.policy..")
                        .should().dependOnClassesThat().resideInAPackage("io.aof.orchestrator.incident..")
                        .as("the retry policy never depends on incidents: it decides from what it is given"));
    }
}
