package io.aof.notifier.delivery;

import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

import java.sql.Timestamp;
import java.time.Instant;
import java.util.List;

/**
 * Refusals ({@code refusal}): one row per scope (a destination, or a channel whose shared credentials were
 * refused) and reason, counting them and remembering when, and where, the super admin was last told.
 */
@Component
public class RefusalStore {

    private final JdbcTemplate jdbc;

    public RefusalStore(JdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    /** A refusal just recorded: when it was last told ({@code null}: never), and now, on the database's clock. */
    record Recorded(Instant alertedAt, Instant now) {
    }

    /** A recent refusal, for health: {@code told} is where its alert went, {@code null} when nowhere. */
    record Refusal(String scope, String reason, long failures, Instant lastAt, String told) {
    }

    /** Counts one more refusal of {@code scope} for {@code reason}. */
    Recorded record(String scope, String reason, String error) {
        return jdbc.queryForObject("INSERT INTO refusal (scope, reason, last_error) VALUES (?, ?, ?) "
                        + "ON CONFLICT (scope, reason) DO UPDATE SET failures = refusal.failures + 1, last_at = now(), "
                        + "last_error = EXCLUDED.last_error RETURNING alerted_at, now() AS now",
                (rs, i) -> {
                    Timestamp alerted = rs.getTimestamp(1);
                    return new Recorded(alerted == null ? null : alerted.toInstant(), rs.getTimestamp(2).toInstant());
                }, scope, reason, error);
    }

    /** The super admin was told now, at {@code told} (space-separated destinations; {@code null}: nobody). */
    void alerted(String scope, String reason, String told) {
        jdbc.update("UPDATE refusal SET alerted_at = now(), told = ? WHERE scope = ? AND reason = ?", told, scope,
                reason);
    }

    /** The refusals seen in the last day, the latest first, at most 20. */
    List<Refusal> lastDay() {
        return jdbc.query("SELECT scope, reason, failures, last_at, told FROM refusal "
                        + "WHERE last_at > now() - interval '1 day' ORDER BY last_at DESC LIMIT 20",
                (rs, i) -> new Refusal(rs.getString(1), rs.getString(2), rs.getLong(3),
                        rs.getTimestamp(4).toInstant(), rs.getString(5)));
    }
}
