package io.aof.common.retention;

import java.time.Duration;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * One table whose old rows {@link RetentionJob} deletes: rows whose
 * {@code timeColumn} is older than the period (and that match {@code onlyWhere},
 * when given: e.g. only finished rows). A service declares its rules as beans;
 * the period can be overridden with {@code aof.retention.periods.<table>}.
 *
 * @param table         the table (unqualified: the service's own schema); the key under
 *                      {@code aof.retention.periods} and the {@code table} tag of the meter
 * @param timeColumn    a {@code timestamptz} column
 * @param defaultPeriod how long rows are kept unless configured
 * @param onlyWhere     an extra SQL condition that must also hold for a row to go, or null
 */
public record RetentionRule(String table, String timeColumn, Duration defaultPeriod, String onlyWhere) {

    private static final Pattern IDENTIFIER = Pattern.compile("[a-z_][a-z0-9_]*");

    public RetentionRule {
        Objects.requireNonNull(defaultPeriod, "defaultPeriod");
        for (String id : new String[] {table, timeColumn}) {
            if (id == null || !IDENTIFIER.matcher(id).matches()) {
                throw new IllegalArgumentException("not a plain SQL identifier: " + id);
            }
        }
    }

    public static RetentionRule of(String table, String timeColumn, Duration defaultPeriod) {
        return new RetentionRule(table, timeColumn, defaultPeriod, null);
    }

    public RetentionRule onlyWhere(String condition) {
        return new RetentionRule(table, timeColumn, defaultPeriod, condition);
    }
}
