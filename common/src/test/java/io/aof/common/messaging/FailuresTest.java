package io.aof.common.messaging;

import io.aof.common.events.EventDecodingException;
import io.aof.common.messaging.Failures.Kind;
import org.apache.kafka.common.errors.InvalidTopicException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.junit.jupiter.api.Test;
import org.springframework.dao.DataAccessResourceFailureException;
import org.springframework.dao.DataIntegrityViolationException;
import org.springframework.dao.QueryTimeoutException;
import org.springframework.jdbc.CannotGetJdbcConnectionException;
import org.springframework.jdbc.UncategorizedSQLException;
import org.springframework.kafka.KafkaException;
import org.springframework.kafka.listener.ListenerExecutionFailedException;
import org.springframework.transaction.CannotCreateTransactionException;

import java.net.ConnectException;
import java.sql.SQLException;

import static org.assertj.core.api.Assertions.assertThat;

/** What the error handler, the outbox relay and the logger retry, dead-letter or park. */
class FailuresTest {

    static Exception sql(String state) {
        return new SQLException("boom " + state, state);
    }

    static Exception inListener(Throwable t) {
        return new ListenerExecutionFailedException("listener failed", t);
    }

    @Test
    void theDatabaseUnreachableReadOnlyFullOrShuttingDownIsInfrastructure() {
        for (String state : new String[] {"08001", "08006", "28P01", "53100", "53300", "57P01", "57P03", "58030", "25006",
                "40001", "40P01", "55P03"}) {
            assertThat(Failures.classify(inListener(new UncategorizedSQLException("insert", "INSERT", 
                    (SQLException) sql(state))))).as(state).isEqualTo(Kind.INFRASTRUCTURE);
        }
        assertThat(Failures.classify(inListener(new CannotCreateTransactionException("no connection",
                new ConnectException("refused"))))).isEqualTo(Kind.INFRASTRUCTURE);
        assertThat(Failures.classify(new CannotGetJdbcConnectionException("pool exhausted")))
                .isEqualTo(Kind.INFRASTRUCTURE);
        assertThat(Failures.classify(new KafkaException("send failed",
                new org.apache.kafka.common.errors.TimeoutException("expired")))).isEqualTo(Kind.INFRASTRUCTURE);
    }

    @Test
    void aDeadlockASerializationFailureOrALockNotAvailableIsAConflictAndTheDatabaseGoneIsNot() {
        for (String state : new String[] {"40001", "40P01", "55P03"}) {
            assertThat(Failures.isConflict(inListener(new UncategorizedSQLException("update", "UPDATE",
                    (SQLException) sql(state))))).as(state).isTrue();
        }
        assertThat(Failures.isConflict(new org.springframework.dao.CannotAcquireLockException("lock"))).isTrue();
        for (String state : new String[] {"08006", "57P01", "23505"}) {
            assertThat(Failures.isConflict(inListener(new UncategorizedSQLException("update", "UPDATE",
                    (SQLException) sql(state))))).as(state).isFalse();
        }
        assertThat(Failures.isConflict(new CannotCreateTransactionException("no connection",
                new ConnectException("refused")))).isFalse();
        assertThat(Failures.isConflict(new IllegalStateException("no SQL at all"))).isFalse();
    }

    @Test
    void theSqlStateDecidesOverTheExceptionSpringWrappedItIn() {
        // Spring calls class 54 a resource failure, but "program limit exceeded" is the record's, for ever
        assertThat(Failures.classify(new DataAccessResourceFailureException("index row too big", sql("54000"))))
                .isEqualTo(Kind.OTHER);
        assertThat(Failures.classify(new DataIntegrityViolationException("dup", sql("23505")))).isEqualTo(Kind.OTHER);
        assertThat(Failures.classify(new DataIntegrityViolationException("nul", sql("22P05")))).isEqualTo(Kind.OTHER);
        // a statement cancelled by its timeout may be the record's doing: a few tries, then the dead-letter topic,
        // never retried for ever like a shutdown (57P01) is
        assertThat(Failures.classify(new QueryTimeoutException("canceling statement due to statement timeout",
                sql("57014")))).isEqualTo(Kind.OTHER);
    }

    @Test
    void undecodableOrInvalidRecordsCanNeverSucceed() {
        assertThat(Failures.classify(inListener(new EventDecodingException("not JSON")))).isEqualTo(Kind.INVALID);
        assertThat(Failures.classify(new jakarta.validation.ValidationException("bad"))).isEqualTo(Kind.INVALID);
        assertThat(Failures.classify(new IllegalStateException("a bug"))).isEqualTo(Kind.OTHER);
    }

    @Test
    void kafkaRefusesForGoodOnlyWhatCanNeverBeSent() {
        assertThat(Failures.sendCannotSucceed(new KafkaException("send", new RecordTooLargeException("2 MB"))))
                .isTrue();
        assertThat(Failures.sendCannotSucceed(new InvalidTopicException("bad name"))).isTrue();
        assertThat(Failures.sendCannotSucceed(new org.apache.kafka.common.errors.TimeoutException("down"))).isFalse();
        // a missing ACL is fixed by configuration: parking every row meanwhile would be worse
        assertThat(Failures.sendCannotSucceed(new TopicAuthorizationException("acl"))).isFalse();
    }

    @Test
    void aCauseCycleEndsTheWalk() {
        RuntimeException a = new RuntimeException("a");
        RuntimeException b = new RuntimeException("b", a);
        a.initCause(b);
        assertThat(Failures.classify(a)).isEqualTo(Kind.OTHER);
    }
}
