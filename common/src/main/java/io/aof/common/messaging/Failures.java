package io.aof.common.messaging;

import io.aof.common.events.EventDecodingException;
import org.apache.kafka.common.InvalidRecordException;
import org.apache.kafka.common.errors.InvalidTopicException;
import org.apache.kafka.common.errors.RecordBatchTooLargeException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.errors.SerializationException;
import org.springframework.dao.DataAccessResourceFailureException;
import org.springframework.dao.QueryTimeoutException;
import org.springframework.dao.TransientDataAccessResourceException;
import org.springframework.kafka.support.serializer.DeserializationException;
import org.springframework.transaction.CannotCreateTransactionException;

import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.sql.SQLException;
import java.sql.SQLNonTransientConnectionException;
import java.sql.SQLRecoverableException;
import java.sql.SQLTransientException;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.Set;

/**
 * Which failures can never succeed and which are the infrastructure's, not the record's. One place, so the
 * Kafka error handler, the outbox relay and the logger decide alike.
 * <ul>
 *   <li>{@link Kind#INFRASTRUCTURE}: the database unreachable, read-only, full or out of connections, a
 *   transaction that could not start, a lock or serialization conflict, a Kafka timeout or another error Kafka
 *   calls retriable. Nothing about the record: retrying later succeeds once the infrastructure is back. When
 *   PostgreSQL gave an SQLState, the state decides (classes 08, 28, 53, 58; 25006 read-only; 40001, 40P01,
 *   55P03; 57P01-57P03 shutdown)
 *   whatever exception Spring wrapped it in: Spring maps class 54 ("program limit exceeded", e.g. a value too big
 *   for an index) to a resource failure too, but that one is the record's and would never succeed.</li>
 *   <li>{@link Kind#INVALID}: the record cannot be decoded or is invalid: retrying cannot help.</li>
 *   <li>{@link Kind#OTHER}: anything else (a bug, a constraint, an unexpected answer): a few tries, then the
 *   dead-letter topic.</li>
 * </ul>
 */
public final class Failures {

    public enum Kind { INFRASTRUCTURE, INVALID, OTHER }

    /** SQLState classes (first two characters) of infrastructure trouble. */
    private static final Set<String> INFRASTRUCTURE_STATE_CLASSES = Set.of(
            "08",   // connection exception
            "28",   // invalid authorization: a rotated or wrong database password is no record's fault
            "53",   // insufficient resources: disk full, out of memory, too many connections
            "58");  // system error: I/O error
    /** Single SQLStates of infrastructure (or concurrency) trouble that a later try gets past. */
    private static final Set<String> INFRASTRUCTURE_STATES = Set.of(
            "25006",  // read_only_sql_transaction: a replica promoted late, default_transaction_read_only
            "40001",  // serialization_failure
            "40P01",  // deadlock_detected
            "55P03",  // lock_not_available
            // operator intervention: admin or crash shutdown, cannot connect now. Not the rest of class 57:
            // 57014 (a statement cancelled by its timeout) can be the record's own doing, retried for ever
            "57P01", "57P02", "57P03");

    /** SQLStates of two transactions wanting the same rows ({@link #isConflict}). */
    private static final Set<String> CONFLICT_STATES = Set.of("40001", "40P01", "55P03");

    private Failures() {
    }

    public static Kind classify(Throwable failure) {
        if (isInvalid(failure)) {
            return Kind.INVALID;
        }
        return isInfrastructure(failure) ? Kind.INFRASTRUCTURE : Kind.OTHER;
    }

    /** The infrastructure failed, not the record: see the class comment. */
    public static boolean isInfrastructure(Throwable failure) {
        String state = sqlState(failure);
        if (state != null) {
            return INFRASTRUCTURE_STATES.contains(state)
                    || (state.length() >= 2 && INFRASTRUCTURE_STATE_CLASSES.contains(state.substring(0, 2)));
        }
        for (Throwable t : chain(failure)) {
            if (t instanceof DataAccessResourceFailureException || t instanceof TransientDataAccessResourceException
                    || t instanceof QueryTimeoutException || t instanceof CannotCreateTransactionException
                    || t instanceof SQLTransientException || t instanceof SQLNonTransientConnectionException
                    || t instanceof SQLRecoverableException || t instanceof SocketException
                    || t instanceof SocketTimeoutException || t instanceof RetriableException) {
                return true;
            }
        }
        return false;
    }

    /**
     * Two transactions wanted the same rows: a deadlock, a serialization failure, a lock not available (by its
     * SQLState, or as Spring translated it). Infrastructure too ({@link #isInfrastructure}: a later try gets past
     * it), but one the database answered: it is up.
     */
    public static boolean isConflict(Throwable failure) {
        String state = sqlState(failure);
        if (state != null && CONFLICT_STATES.contains(state)) {
            return true;
        }
        for (Throwable t : chain(failure)) {
            if (t instanceof org.springframework.dao.ConcurrencyFailureException) {
                return true;
            }
        }
        return false;
    }

    /** The record cannot be decoded or is invalid: no retry can help. */
    public static boolean isInvalid(Throwable failure) {
        for (Throwable t : chain(failure)) {
            if (t instanceof EventDecodingException || t instanceof DeserializationException
                    || t instanceof jakarta.validation.ValidationException) {
                return true;
            }
        }
        return false;
    }

    /**
     * Kafka refused a record for good: too large for the producer or the broker, a topic name it refuses, a
     * record it cannot serialize. Anything else (timeouts, a broker down, authorization, unknown) may succeed
     * later, so the outbox keeps the row: parking every row because an ACL is missing would be worse.
     */
    public static boolean sendCannotSucceed(Throwable failure) {
        for (Throwable t : chain(failure)) {
            if (t instanceof RecordTooLargeException || t instanceof RecordBatchTooLargeException
                    || t instanceof InvalidTopicException || t instanceof SerializationException
                    || t instanceof InvalidRecordException) {
                return true;
            }
        }
        return false;
    }

    /** The innermost message of a failure, for logs and alerts. */
    public static String rootMessage(Throwable failure) {
        Throwable root = failure;
        for (Throwable t : chain(failure)) {
            root = t;
        }
        return root.toString();
    }

    private static String sqlState(Throwable failure) {
        for (Throwable t : chain(failure)) {
            if (t instanceof SQLException sql) {
                for (SQLException e = sql; e != null; e = e.getNextException()) {
                    if (e.getSQLState() != null) {
                        return e.getSQLState();
                    }
                }
            }
        }
        return null;
    }

    /** The failure and its causes, each once (a cause cycle ends the walk). */
    private static Iterable<Throwable> chain(Throwable failure) {
        Map<Throwable, Boolean> seen = new IdentityHashMap<>();
        java.util.List<Throwable> out = new java.util.ArrayList<>();
        for (Throwable t = failure; t != null && seen.put(t, Boolean.TRUE) == null; t = t.getCause()) {
            out.add(t);
        }
        return out;
    }
}
