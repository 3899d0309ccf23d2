package io.aof.common.workato;

import jakarta.validation.constraints.NotBlank;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.ConstructorBinding;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

import java.net.URI;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;

/**
 * Where the Workato API is ({@code aof.workato.*}). {@code baseUrl} may be a full
 * URL (a private host, the simulator) or a data-center shorthand ({@code us},
 * {@code eu}, {@code jp}, {@code sg}, {@code au}, {@code il}, {@code kr},
 * {@code cn}, {@code trial}). The token is a secret: {@link #toString()} masks it.
 */
@Validated
@ConfigurationProperties("aof.workato")
public record WorkatoProperties(
        @NotBlank @DefaultValue("http://localhost:8090/api") String baseUrl,
        @DefaultValue("") String apiToken,
        @DefaultValue("5s") Duration connectTimeout,
        @DefaultValue("45s") Duration requestTimeout,
        @DefaultValue Resilience resilience,
        @DefaultValue AccountHold accountHold,
        @DefaultValue ReadBudget readBudget,
        @DefaultValue("10m") Duration escalateAfter) {

    /** Bound from {@code aof.workato.*}. */
    @ConstructorBinding
    public WorkatoProperties {
    }

    /** The connection and resilience settings, the account hold, budget and escalation at their defaults. */
    public WorkatoProperties(String baseUrl, String apiToken, Duration connectTimeout, Duration requestTimeout,
                             Resilience resilience) {
        this(baseUrl, apiToken, connectTimeout, requestTimeout, resilience, AccountHold.defaults(),
                ReadBudget.defaults(), Duration.ofMinutes(10));
    }

    /**
     * Workato's {@code Retry-After} per account, shared by every service through
     * {@code <schema>.workato_hold} on the PostgreSQL they share; {@code enabled=false} keeps it to this process.
     */
    public record AccountHold(@DefaultValue("true") boolean enabled,
                              @NotBlank @DefaultValue("aof_shared") String schema) {

        public static AccountHold defaults() {
            return new AccountHold(true, "aof_shared");
        }
    }

    /**
     * This service's share of the read budget, shared by all its instances through
     * {@code <account-hold.schema>.workato_read_budget} under the name {@code share} (the service's name when
     * unset; instances of one service must use the same); {@code shared=false} keeps it to this process.
     */
    public record ReadBudget(@DefaultValue("true") boolean shared, String share) {

        public static ReadBudget defaults() {
            return new ReadBudget(true, null);
        }
    }

    /**
     * Resilience4j around every call. Workato's limits are per API client, so
     * every service that calls it takes a share: {@code readsPerMinute} is this
     * service's share of the 60 reads a minute.
     *
     * @param readsPerMinute          this service's share of the read budget
     * @param readPermitWait          how long a read may wait for a permit before it is refused
     * @param readAttempts            tries of an idempotent read (429 with Retry-After, 5xx, timeouts)
     * @param readBackoff             first backoff between read tries (doubled, with jitter)
     * @param maxRetryAfterWait       a 429 asking for a longer wait is not retried in place
     * @param breakerFailureRate      percentage of failed calls that opens the breaker
     * @param breakerMinimumCalls     calls needed before the rate counts
     * @param breakerWindow           number of recent calls the rate is taken over
     * @param breakerOpenFor          how long the breaker stays open before trying again
     */
    public record Resilience(@DefaultValue("60") int readsPerMinute,
                             @DefaultValue("5s") Duration readPermitWait,
                             @DefaultValue("3") int readAttempts,
                             @DefaultValue("500ms") Duration readBackoff,
                             @DefaultValue("10s") Duration maxRetryAfterWait,
                             @DefaultValue("50") float breakerFailureRate,
                             @DefaultValue("5") int breakerMinimumCalls,
                             @DefaultValue("10") int breakerWindow,
                             @DefaultValue("30s") Duration breakerOpenFor) {

        public static Resilience defaults() {
            return new Resilience(60, Duration.ofSeconds(5), 3, Duration.ofMillis(500), Duration.ofSeconds(10), 50,
                    5, 10, Duration.ofSeconds(30));
        }
    }


    private static final Map<String, String> DATA_CENTERS = Map.of(
            "us", "https://www.workato.com/api",
            "eu", "https://app.eu.workato.com/api",
            "jp", "https://app.jp.workato.com/api",
            "sg", "https://app.sg.workato.com/api",
            "au", "https://app.au.workato.com/api",
            "il", "https://app.il.workato.com/api",
            "kr", "https://app.kr.workato.com/api",
            "cn", "https://app.workatoapp.cn/api",
            "trial", "https://app.trial.workato.com/api");

    public URI resolvedBaseUrl() {
        String url = DATA_CENTERS.getOrDefault(baseUrl.trim().toLowerCase(Locale.ROOT), baseUrl.trim());
        return URI.create(url.endsWith("/") ? url.substring(0, url.length() - 1) : url);
    }

    @Override
    public String toString() {
        return "WorkatoProperties[baseUrl=" + baseUrl + ", apiToken=" + (apiToken.isEmpty() ? "<unset>" : "******")
                + ", connectTimeout=" + connectTimeout + ", requestTimeout=" + requestTimeout + ", resilience="
                + resilience + ", accountHold=" + accountHold + ", readBudget=" + readBudget + ", escalateAfter="
                + escalateAfter + "]";
    }
}
