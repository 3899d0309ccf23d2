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

    /** @param token the bearer token recipes must send; empty disables the intake (503). A secret. */
    public record Webhook(@DefaultValue("") String token) {

        @Override
        public String toString() {
            return "Webhook[token=" + (token.isEmpty() ? "<unset>" : "******") + "]";
        }
    }
}
