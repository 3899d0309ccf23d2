package io.aof.collation;

import jakarta.validation.constraints.Min;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

import java.time.Duration;
import java.util.List;

/**
 * {@code aof.collation.*}.
 *
 * @param pollInterval      pause between two sweeps of the workspace
 * @param initialLookback   on first sight of a recipe, failed jobs this recent are collected; older ones are not
 * @param maxPagesPerRecipe cap on job-list pages read for one recipe in one sweep
 * @param maxDetailReadsPerRecipe cap on job-detail reads (one per failed job that is not a repeat) for one recipe
 *                          in one sweep; the rest is read next sweep, from where this one stopped, so a storm in
 *                          one recipe does not use the whole read budget
 * @param calledRootMaxWait a failed called job whose workflow root still runs is kept (read again next sweep) until
 *                          the root ends, at most this long after the called job ended; then it is published not
 *                          repeatable (a stuck root must not hold its recipe's collection forever)
 * @param strategy          DELTA (default) or NAIVE polling
 * @param statsInterval     how often recipe stats snapshots are published (for the periodic report)
 * @param watch             which recipes are watched
 * @param webhook           the webhook intake
 */
@Validated
@ConfigurationProperties("aof.collation")
public record CollationProperties(
        @DefaultValue("30s") Duration pollInterval,
        @DefaultValue("1h") Duration initialLookback,
        @Min(1) @DefaultValue("10") int maxPagesPerRecipe,
        @Min(1) @DefaultValue("20") int maxDetailReadsPerRecipe,
        @DefaultValue("2h") Duration calledRootMaxWait,
        @DefaultValue("15m") Duration statsInterval,
        @DefaultValue("DELTA") Strategy strategy,
        @DefaultValue Watch watch,
        @DefaultValue Webhook webhook) {

    public CollationProperties {
        if (calledRootMaxWait.isNegative() || calledRootMaxWait.isZero()) {
            throw new IllegalArgumentException("aof.collation.called-root-max-wait (" + calledRootMaxWait
                    + ") must be positive");
        }
    }

    /**
     * DELTA lists a recipe's failed jobs only when its {@code job_failed_count}
     * moved; NAIVE lists every watched recipe's failed jobs on every sweep (what
     * a recipe-based framework does; kept for the benchmark's baseline).
     */
    public enum Strategy { DELTA, NAIVE }

    /**
     * Which recipes are watched. With no include given, all of them. A recipe is
     * watched when it is in one of {@code folderIds} (with subfolders), or among
     * {@code recipeIds}, or its whole name matches one of {@code namePatterns};
     * the excludes always win. Re-evaluated on every sweep, so new recipes are
     * picked up.
     */
    public record Watch(@DefaultValue List<Long> folderIds, @DefaultValue List<Long> recipeIds,
                        @DefaultValue List<String> namePatterns, @DefaultValue List<Long> excludeRecipeIds,
                        @DefaultValue List<String> excludeNamePatterns) {
    }

    /**
     * The webhook intake. A request is authenticated by the bearer {@code token}
     * or by an HMAC-SHA256 signature made with {@code hmacSecret}; with neither
     * configured the intake answers 503. Both are secrets.
     *
     * @param token            the bearer token recipes may send
     * @param hmacSecret       the key of {@code X-AOF-Signature: sha256=hex(hmac(secret, timestamp + "." + body))}
     * @param maxSignatureAge  signed requests older than this (by {@code X-AOF-Timestamp}) are refused as replays
     * @param maxBodyBytes     larger bodies are refused with 413
     * @param perSourcePerMinute requests a minute one source (client address) may send before it gets 429
     * @param verifyDelay      an accepted failure is first read from Workato this long after it arrived, and
     *                         again this often while Workato cannot say (the job still runs, Workato unreachable);
     *                         a poll that collects the job meanwhile verifies it without a read
     * @param verifyTimeout    a failure Workato did not answer for this long after it arrived is published as an
     *                         incident that is never repeated (it may be a real failure), logged as an error,
     *                         counted, and alerted once per verify-timeout period; a mismatch Workato answered
     *                         is refused
     * @param verifyBatch      at most this many pending failures are read from Workato in one verification run
     */
    public record Webhook(@DefaultValue("") String token,
                          @DefaultValue("") String hmacSecret,
                          @DefaultValue("5m") Duration maxSignatureAge,
                          @DefaultValue("65536") int maxBodyBytes,
                          @DefaultValue("600") int perSourcePerMinute,
                          @DefaultValue("10s") Duration verifyDelay,
                          @DefaultValue("30m") Duration verifyTimeout,
                          @Min(1) @DefaultValue("20") int verifyBatch) {

        public Webhook {
            if (verifyDelay.isNegative() || verifyTimeout.compareTo(verifyDelay) <= 0) {
                throw new IllegalArgumentException("aof.collation.webhook.verify-timeout (" + verifyTimeout
                        + ") must be longer than aof.collation.webhook.verify-delay (" + verifyDelay
                        + "), which must not be negative");
            }
        }

        @Override
        public String toString() {
            return "Webhook[token=" + (token.isEmpty() ? "<unset>" : "******") + ", hmacSecret="
                    + (hmacSecret.isEmpty() ? "<unset>" : "******") + ", maxSignatureAge=" + maxSignatureAge
                    + ", maxBodyBytes=" + maxBodyBytes + ", perSourcePerMinute=" + perSourcePerMinute
                    + ", verifyDelay=" + verifyDelay + ", verifyTimeout=" + verifyTimeout + ", verifyBatch="
                    + verifyBatch + "]";
        }
    }
}
