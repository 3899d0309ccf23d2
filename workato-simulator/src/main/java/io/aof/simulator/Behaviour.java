package io.aof.simulator;

/**
 * How a simulated recipe's jobs end. Each execution of a job chain (the
 * original job, then each repeat of it) counts: with {@code FAIL_TIMES} and
 * {@code failTimes = 2}, the original and the first repeat fail and the second
 * repeat succeeds. Executions that failed because the recipe's connector was down
 * ({@link Workspace#startConnectorOutage}) do not count: the script applies to
 * the executions that end outside an outage.
 *
 * @param kind        the script
 * @param failTimes   for FAIL_TIMES: how many executions of a chain fail
 * @param failureRate for FAILURE_RATE: probability (0..1) that an execution fails
 * @param error       the error message of a failed job
 * @param errorTypeId Workato's {@code error_type_id} of the failed step, if any
 * @param httpCode    the HTTP status of the failed step, if any
 * @param errorSize   when set, the error text is padded to this many characters (an HTML error page or a
 *                    payload dump of a few MB, as real connectors produce)
 */
public record Behaviour(Kind kind, Integer failTimes, Double failureRate, String error, String errorTypeId,
                        Integer httpCode, Integer errorSize) {

    public Behaviour(Kind kind, Integer failTimes, Double failureRate, String error, String errorTypeId,
                     Integer httpCode) {
        this(kind, failTimes, failureRate, error, errorTypeId, httpCode, null);
    }

    /** The error text a failed job gets: {@link #error}, padded to {@link #errorSize} when set. */
    String errorText() {
        if (error == null || errorSize == null || errorSize <= error.length()) {
            return error;
        }
        StringBuilder b = new StringBuilder(errorSize).append(error).append(' ');
        String filler = "<div class=\"trace\">upstream said no</div>\n";
        while (b.length() < errorSize) {
            b.append(filler, 0, Math.min(filler.length(), errorSize - b.length()));
        }
        return b.toString();
    }

    /** HANGS: jobs stay pending forever (a repeat that never finishes). */
    public enum Kind { HEALTHY, FAIL_TIMES, ALWAYS_FAIL, AUTH_ERROR, FAILURE_RATE, HANGS }

    public static Behaviour healthy() {
        return new Behaviour(Kind.HEALTHY, null, null, null, null, null);
    }

    public static Behaviour failTimes(int n, String error, String errorTypeId, Integer httpCode) {
        return new Behaviour(Kind.FAIL_TIMES, n, null, error, errorTypeId, httpCode);
    }

    public static Behaviour alwaysFail(String error, String errorTypeId, Integer httpCode) {
        return new Behaviour(Kind.ALWAYS_FAIL, null, null, error, errorTypeId, httpCode);
    }

    public static Behaviour authError() {
        return new Behaviour(Kind.AUTH_ERROR, null, null,
                "401 Unauthorized: {\"error\":\"invalid_grant\",\"error_description\":\"expired access/refresh token\"}",
                "err.http.response.client_error.unauthorized", 401);
    }

    /** Normalizes a behaviour posted by a person: fills the error fields a kind needs. */
    public Behaviour withDefaults() {
        if (kind == null) {
            throw new IllegalArgumentException("behaviour.kind is required: one of HEALTHY, FAIL_TIMES, ALWAYS_FAIL,"
                    + " AUTH_ERROR, FAILURE_RATE");
        }
        if (errorSize != null && (errorSize < 0 || errorSize > 20_000_000)) {
            throw new IllegalArgumentException("behaviour.errorSize must be between 0 and 20000000");
        }
        if (kind == Kind.AUTH_ERROR && error == null) {
            Behaviour a = authError();
            return new Behaviour(a.kind, null, null, a.error, a.errorTypeId, a.httpCode, errorSize);
        }
        if (kind == Kind.FAIL_TIMES && (failTimes == null || failTimes < 0)) {
            throw new IllegalArgumentException("behaviour.failTimes (0 or more) is required for FAIL_TIMES");
        }
        if (kind == Kind.FAILURE_RATE && (failureRate == null || failureRate < 0 || failureRate > 1)) {
            throw new IllegalArgumentException("behaviour.failureRate must be between 0 and 1");
        }
        if (kind != Kind.HEALTHY && kind != Kind.HANGS && error == null) {
            return new Behaviour(kind, failTimes, failureRate, "500 Internal Server Error from upstream API",
                    "err.http.response.server_error", 500, errorSize);
        }
        return this;
    }

    /** Whether execution number {@code execution} (1 = the original job) of a chain fails. */
    boolean fails(int execution, java.util.random.RandomGenerator random) {
        return switch (kind) {
            case HEALTHY, HANGS -> false;
            case FAIL_TIMES -> execution <= failTimes;
            case ALWAYS_FAIL, AUTH_ERROR -> true;
            case FAILURE_RATE -> random.nextDouble() < failureRate;
        };
    }
}
