package io.aof.common.workato;

import jakarta.validation.constraints.NotBlank;
import org.springframework.boot.context.properties.ConfigurationProperties;
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
        @DefaultValue("45s") Duration requestTimeout) {

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
                + ", connectTimeout=" + connectTimeout + ", requestTimeout=" + requestTimeout + "]";
    }
}
