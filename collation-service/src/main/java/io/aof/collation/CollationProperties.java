package io.aof.collation;

import jakarta.validation.constraints.Min;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

import java.time.Duration;

/**
 * {@code aof.collation.*}.
 *
 * @param pollInterval      pause between two sweeps of the workspace
 * @param initialLookback   on first sight of a recipe, failed jobs this recent are collected; older ones are not
 * @param maxPagesPerRecipe cap on job-list pages read for one recipe in one sweep
 * @param webhook           the webhook intake
 */
@Validated
@ConfigurationProperties("aof.collation")
public record CollationProperties(
        @DefaultValue("30s") Duration pollInterval,
        @DefaultValue("1h") Duration initialLookback,
        @Min(1) @DefaultValue("10") int maxPagesPerRecipe,
        @DefaultValue Webhook webhook) {

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
     */
    public record Webhook(@DefaultValue("") String token,
                          @DefaultValue("") String hmacSecret,
                          @DefaultValue("5m") Duration maxSignatureAge,
                          @DefaultValue("65536") int maxBodyBytes,
                          @DefaultValue("600") int perSourcePerMinute) {

        @Override
        public String toString() {
            return "Webhook[token=" + (token.isEmpty() ? "<unset>" : "******") + ", hmacSecret="
                    + (hmacSecret.isEmpty() ? "<unset>" : "******") + ", maxSignatureAge=" + maxSignatureAge
                    + ", maxBodyBytes=" + maxBodyBytes + ", perSourcePerMinute=" + perSourcePerMinute + "]";
        }
    }
}
