package io.aof.logger;

import io.aof.testsupport.AofTestInfrastructure;
import org.postgresql.ds.PGSimpleDataSource;


/** A fresh schema on the shared test PostgreSQL, migrated as the logger migrates its own. */
public final class LoggerSchema {

    private LoggerSchema() {
    }

    public static PGSimpleDataSource fresh(String prefix) {
        return AofTestInfrastructure.get().migratedSchema(prefix, "logger");
    }
}
