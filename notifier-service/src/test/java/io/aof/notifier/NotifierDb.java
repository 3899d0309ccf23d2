package io.aof.notifier;

import io.aof.testsupport.AofTestInfrastructure;

import javax.sql.DataSource;

/**
 * The notifier's schema for the tests that drive its SQL without a Spring context
 * ({@link AofTestInfrastructure#emptiedSchema}: its own migrations, migrated once per test JVM, emptied for each
 * test, pooled).
 */
public final class NotifierDb {

    private NotifierDb() {
    }

    /** The shared schema with every table emptied (sequences restarted): what a fresh schema would be. */
    public static DataSource emptied() {
        return AofTestInfrastructure.get().emptiedSchema("notifier", 4);
    }
}
