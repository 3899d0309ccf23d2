package io.aof.orchestrator.policy;

import io.aof.common.events.Category;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The shipped rules against error texts as Workato connectors write them. */
class CategorizerTest {

    private static final Categorizer CATEGORIZER = new Categorizer(ShippedConfig.load().categories());

    @ParameterizedTest(name = "{0} | {1} | {2} -> {3}")
    @CsvSource(delimiter = '|', nullValues = "-", textBlock = """
            err.http.response.timeout                       | -   | Request timed out                                      | TIMEOUT
            err.http.response.client_error.not_found        | 404 | Not found                                              | NOT_FOUND
            err.http.response.client_error.unauthorized     | 401 | Unauthorized                                           | AUTH
            err.data_format.json_parsing_error              | -   | unexpected token at '<html>'                           | DATA_VALIDATION
            err.http.response.server_error                  | 502 | Bad Gateway                                            | UPSTREAM_5XX
            -                                               | 429 | Too Many Requests                                      | RATE_LIMITED
            -                                               | 503 | whatever the text says                                 | UPSTREAM_5XX
            -                                               | -   | Net::ReadTimeout: read timed out after 30s             | TIMEOUT
            -                                               | -   | 503 Service Unavailable: upstream connect error        | UPSTREAM_5XX
            -                                               | -   | 500 Internal Server Error: NullPointerException        | UPSTREAM_5XX
            -                                               | -   | 401 Unauthorized: invalid_grant expired access/refresh token | AUTH
            -                                               | -   | INVALID_SESSION_ID: Session expired or invalid         | AUTH
            -                                               | -   | REQUEST_LIMIT_EXCEEDED: TotalRequests Limit exceeded.  | RATE_LIMITED
            -                                               | -   | FIELD_CUSTOM_VALIDATION_EXCEPTION: Amount must be positive | DATA_VALIDATION
            -                                               | -   | REQUIRED_FIELD_MISSING: Required fields are missing: [Name] | DATA_VALIDATION
            -                                               | -   | Failed to open TCP connection: Connection refused - connect(2) | CONNECTION
            -                                               | -   | SSL_connect returned=1 errno=0 state=error             | CONNECTION
            -                                               | -   | getaddrinfo: Name or service not known                 | CONNECTION
            -                                               | -   | No such file: /outbound/invoices.csv                   | NOT_FOUND
            -                                               | -   | HTTP status 404 returned by the API                    | NOT_FOUND
            -                                               | -   | Timeout after 500 ms waiting for a lock                | TIMEOUT
            -                                               | -   | Order 500123 could not be matched                      | UNKNOWN
            -                                               | -   | -                                                      | UNKNOWN
            -                                               | -   | Salesforce: UNABLE_TO_LOCK_ROW: unable to obtain exclusive access to this record | TIMEOUT
            -                                               | -   | NetSuite: SSS_REQUEST_LIMIT_EXCEEDED: Request limit exceeded | RATE_LIMITED
            -                                               | -   | NetSuite: INVALID_LOGIN_ATTEMPT: Invalid login attempt. | AUTH
            -                                               | -   | NetSuite: INVALID_KEY_OR_REF: Invalid customer reference key 123. | DATA_VALIDATION
            -                                               | -   | NetSuite: RCRD_DSNT_EXIST: That record does not exist. | NOT_FOUND
            -                                               | -   | Slack: channel_not_found                               | NOT_FOUND
            -                                               | -   | Slack: ratelimited                                     | RATE_LIMITED
            -                                               | -   | Slack: invalid_auth                                    | AUTH
            -                                               | -   | Slack: token_revoked                                   | AUTH
            -                                               | -   | PG::ConnectionBad: could not connect to server: Connection refused | CONNECTION
            -                                               | -   | PG::UniqueViolation: ERROR: duplicate key value violates unique constraint | DATA_VALIDATION
            -                                               | -   | Mysql2::Error: Lock wait timeout exceeded; try restarting transaction | TIMEOUT
            -                                               | -   | ORA-01017: invalid username/password; logon denied     | AUTH
            -                                               | -   | SQL Server: Login failed for user 'workato'.           | AUTH
            -                                               | -   | SFTP: Net::SSH::AuthenticationFailed: Authentication failed for user | AUTH
            -                                               | -   | SFTP: Errno::ECONNRESET: Connection reset by peer      | CONNECTION
            -                                               | -   | 504 Gateway Time-out                                   | TIMEOUT
            -                                               | -   | 400 Bad Request: {"error":"missing required field 'email'"} | DATA_VALIDATION
            -                                               | -   | 403 Forbidden: insufficient permissions for this resource | AUTH
            -                                               | -   | 409 Conflict: record was modified by another user      | DATA_VALIDATION
            -                                               | -   | CSV parsing error: Unclosed quoted field in line 12    | DATA_VALIDATION
            -                                               | -   | execution expired                                      | TIMEOUT
            err.workato.internal_error                      | -   | Something went wrong on our side                       | PLATFORM
            -                                               | -   | Connection is not set up: please connect the app first | CONFIGURATION
            """)
    void classifies(String errorType, Integer status, String message, Category expected) {
        assertThat(CATEGORIZER.classify(errorType, status, message)).isEqualTo(expected);
    }

    @Test
    void errorTypeWinsOverStatusAndStatusOverMessage() {
        assertThat(CATEGORIZER.classify("err.http.response.timeout", 500, "401 Unauthorized")).isEqualTo(Category.TIMEOUT);
        assertThat(CATEGORIZER.classify(null, 429, "Connection refused")).isEqualTo(Category.RATE_LIMITED);
    }

    @Test
    void aBadRuleStopsStartWithTheKeyThatIsWrong() {
        assertThatThrownBy(() -> new Categorizer(List.of(new OrchestratorProperties.CategoryRule("TIMEOUT", null,
                null, "ok"), new OrchestratorProperties.CategoryRule("SLOW", null, null, null))))
                .hasMessageContaining("aof.orchestrator.categories[1].category").hasMessageContaining("SLOW");
        assertThatThrownBy(() -> new Categorizer(List.of(new OrchestratorProperties.CategoryRule("TIMEOUT", "(",
                null, null)))).hasMessageContaining("aof.orchestrator.categories[0].error-type");
    }
}
