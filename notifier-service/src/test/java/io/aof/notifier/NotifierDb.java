package io.aof.notifier;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.aof.testsupport.AofTestInfrastructure;
import org.springframework.jdbc.core.JdbcTemplate;

import javax.sql.DataSource;

/**
 * The notifier's schema for the tests that drive its SQL without a Spring context: migrated once per test JVM
 * (the notifier's own migrations, as the service runs them) and emptied for each test, behind a small connection
 * pool as the service has. Without the pool every statement outside a transaction opened a new PostgreSQL
 * connection: a storm test's thousand-odd statements spent most of their time connecting.
 */
public final class NotifierDb {

    private static HikariDataSource shared;

    private NotifierDb() {
    }

    /** The shared schema with every table emptied (sequences restarted): what a fresh schema would be. */
    public static synchronized DataSource emptied() {
        if (shared == null) {
            HikariConfig config = new HikariConfig();
            config.setDataSource(AofTestInfrastructure.get().migratedSchema("notifier", "notifier"));
            config.setPoolName("notifier-test");
            config.setMaximumPoolSize(4);
            shared = new HikariDataSource(config);
            AofTestInfrastructure.get().closeBeforeStop(shared);
        }
        JdbcTemplate jdbc = new JdbcTemplate(shared);
        String tables = jdbc.queryForObject("SELECT string_agg(quote_ident(tablename), ', ') FROM pg_tables "
                + "WHERE schemaname = current_schema() AND tablename <> 'flyway_schema_history'", String.class);
        jdbc.execute("TRUNCATE " + tables + " RESTART IDENTITY CASCADE");
        return shared;
    }
}
