package io.aof.logger;

import io.aof.testsupport.AofTestInfrastructure;
import org.flywaydb.core.Flyway;
import org.postgresql.ds.PGSimpleDataSource;

import java.util.UUID;

/** A fresh schema on the shared test PostgreSQL, migrated as the logger migrates its own. */
public final class LoggerSchema {

    private LoggerSchema() {
    }

    public static PGSimpleDataSource fresh(String prefix) {
        String schema = prefix + "_" + UUID.randomUUID().toString().substring(0, 8);
        AofTestInfrastructure infra = AofTestInfrastructure.get();
        PGSimpleDataSource ds = new PGSimpleDataSource();
        ds.setUrl(infra.jdbcUrl() + (infra.jdbcUrl().contains("?") ? "&" : "?") + "currentSchema=" + schema);
        ds.setUser(infra.dbUser());
        ds.setPassword(infra.dbPassword());
        Flyway.configure().dataSource(ds).schemas(schema).defaultSchema(schema)
                .locations("classpath:db/common", "classpath:db/logger").load().migrate();
        return ds;
    }
}
