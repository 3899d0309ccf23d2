package io.aof.logger;

import io.aof.testsupport.AofArchitecture;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.util.stream.Stream;


/** The layering of {@link AofArchitecture}, one test per rule, on this service's compiled classes. */
class ArchitectureTest {

    @TestFactory
    Stream<DynamicTest> layering() {
        return AofArchitecture.check("logger");
    }
}
