package io.aof.common.workato;

import org.flywaydb.core.Flyway;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.dao.DataAccessException;
import org.springframework.jdbc.core.JdbcTemplate;

import javax.sql.DataSource;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.HexFormat;
import java.util.regex.Pattern;

/**
 * Workato's {@code Retry-After}, honoured per Workato API client (account), not
 * per process: its limits are per API client, so a 429 that collation receives
 * must also hold recovery's calls, and the other way round.
 *
 * <p>The hold lives in one row per account of {@code <schema>.workato_hold}, a
 * small table in a schema every service of the deployment shares (they share one
 * PostgreSQL, each in its own schema); the end of the hold is computed and
 * compared on the database's clock ({@code now()}), so the services' clocks
 * never meet. {@link WorkatoClient} asks {@link #remaining()} before every call
 * and calls {@link #hold} on every 429. This instance's own holds are also kept
 * in memory, so a database hiccup never makes it forget a Retry-After it
 * received itself: when the shared row cannot be read, they apply instead
 * (logged at most once a minute).
 */
public class WorkatoAccountHold {

    private static final Logger log = LoggerFactory.getLogger(WorkatoAccountHold.class);
    private static final Pattern IDENTIFIER = Pattern.compile("[a-z_][a-z0-9_]*");
    /** pg_advisory_lock key that serializes the shared schema's migration across services. */
    private static final long MIGRATION_LOCK = 0x414F465F53484152L;   // "AOF_SHAR"

    private final JdbcTemplate jdbc;
    private final String table;
    private final String account;
    private final String service;
    private volatile long localUntilNanos = System.nanoTime();
    private volatile long lastWarnNanos;

    private WorkatoAccountHold(JdbcTemplate jdbc, String schema, String account, String service) {
        this.jdbc = jdbc;
        this.table = schema == null ? null : schema + ".workato_hold";
        this.account = account;
        this.service = service;
    }

    /** A hold this process alone knows (tests, or {@code aof.workato.account-hold.enabled=false}). */
    public static WorkatoAccountHold local() {
        return new WorkatoAccountHold(null, null, null, null);
    }

    /**
     * The hold shared through {@code schema.workato_hold} for the account of
     * {@code props} (base URL and token, hashed). {@code service} names who set a hold.
     */
    public static WorkatoAccountHold shared(JdbcTemplate jdbc, String schema, WorkatoProperties props,
                                            String service) {
        requireSchemaName(schema);
        return new WorkatoAccountHold(jdbc, schema, accountKey(props), service);
    }

    /**
     * Creates or migrates the shared schema ({@code classpath:db/aof_shared}).
     * Several services may start at once: the migration runs under a
     * PostgreSQL advisory lock, so one migrates and the others find it done.
     */
    public static void migrate(DataSource dataSource, String schema) {
        requireSchemaName(schema);
        try (Connection lock = dataSource.getConnection(); Statement st = lock.createStatement()) {
            st.execute("SELECT pg_advisory_lock(" + MIGRATION_LOCK + ")");
            try {
                Flyway.configure().dataSource(dataSource).schemas(schema).defaultSchema(schema)
                        .locations("classpath:db/aof_shared").load().migrate();
            } finally {
                st.execute("SELECT pg_advisory_unlock(" + MIGRATION_LOCK + ")");
            }
        } catch (SQLException e) {
            throw new IllegalStateException("could not migrate the shared schema " + schema
                    + " (aof.workato.account-hold.schema): " + e.getMessage(), e);
        }
    }

    static void requireSchemaName(String schema) {
        if (schema == null || !IDENTIFIER.matcher(schema).matches()) {
            throw new IllegalArgumentException("aof.workato.account-hold.schema must be a plain lower-case SQL "
                    + "identifier, was " + schema);
        }
    }

    /** The account a Workato API client stands for: a hash of its base URL and token (the token never shows). */
    static String accountKey(WorkatoProperties props) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest((props.resolvedBaseUrl() + "\n"
                    + props.apiToken()).getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest, 0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * True when the hold is shared through the database with the other services and instances; false for a
     * hold this process alone knows ({@link #local()}).
     */
    public boolean isShared() {
        return jdbc != null;
    }

    /**
     * How long Workato calls must still wait because of a Retry-After; zero when they may go. Read on the
     * database's clock; only when the shared row cannot be read does this instance fall back on the holds it
     * received itself.
     */
    public Duration remaining() {
        if (jdbc != null) {
            try {
                Double ms = jdbc.query("SELECT EXTRACT(EPOCH FROM (hold_until - now())) * 1000 FROM " + table
                        + " WHERE account = ?", rs -> rs.next() ? rs.getDouble(1) : null, account);
                return ms == null || ms <= 0 ? Duration.ZERO : Duration.ofMillis((long) Math.ceil(ms));
            } catch (DataAccessException e) {
                warn("read", e);
            }
        }
        long local = localUntilNanos - System.nanoTime();
        return local > 0 ? Duration.ofNanos(local) : Duration.ZERO;
    }

    /** Workato answered 429 with {@code retryAfter}: no call of any service before it has elapsed. */
    public void hold(Duration retryAfter, String endpoint) {
        long until = System.nanoTime() + retryAfter.toNanos();
        if (until - localUntilNanos > 0) {
            localUntilNanos = until;
        }
        if (jdbc == null) {
            return;
        }
        try {
            jdbc.update("INSERT INTO " + table + " AS h (account, hold_until, set_by, endpoint) VALUES (?, now() + "
                    + "(? * interval '1 millisecond'), ?, ?) ON CONFLICT (account) DO UPDATE SET hold_until = "
                    + "GREATEST(h.hold_until, EXCLUDED.hold_until), set_by = EXCLUDED.set_by, "
                    + "endpoint = EXCLUDED.endpoint, updated_at = now()", account, retryAfter.toMillis(), service,
                    endpoint);
        } catch (DataAccessException e) {
            warn("write", e);
        }
    }

    private void warn(String what, DataAccessException e) {
        long now = System.nanoTime();
        if (now - lastWarnNanos > Duration.ofMinutes(1).toNanos()) {
            lastWarnNanos = now;
            log.warn("Could not {} the shared Workato hold in {} (this instance's own Retry-After still holds): {}",
                    what, table, e.getMostSpecificCause().toString());
        }
    }
}
