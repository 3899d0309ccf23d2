package io.aof.testsupport;

import org.junit.platform.launcher.LauncherSession;
import org.junit.platform.launcher.LauncherSessionListener;

/**
 * Stops the shared infrastructure when the test session ends, while the JVM is
 * still whole: at JVM exit, shutdown hooks (zonky's, the broker's, Spring's) run
 * in no order, and Kafka clients would wait for a broker that is already gone.
 */
public class AofTestSessionListener implements LauncherSessionListener {

    @Override
    public void launcherSessionClosed(LauncherSession session) {
        AofTestInfrastructure.stopIfStarted();
    }
}
