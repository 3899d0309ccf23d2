package io.aof.common.workato;

import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Which system a failed job failed against, as far as what Workato answers says, in this order:
 * <ol>
 *   <li>the connector of the failed step: the {@code adapter_name} of the first line that carries an
 *   {@code error_descriptor} (for example {@code netsuite}, {@code salesforce}); a generic HTTP connector
 *   ({@code rest}, {@code http}, ...) talks to any host, so for those the host in the error text is added
 *   ({@code rest@api.acme.com}), and without one the upstream is not known (all the HTTP calls of a
 *   workspace are not one system); Workato's own connectors ({@code workato_*}: a recipe
 *   function call, a webhook trigger) are not an upstream and are skipped;</li>
 *   <li>else the host in the error text: the first {@code http(s)://host} URL, or "connection to host"
 *   ({@code host:api.acme.com});</li>
 *   <li>else nothing: the failure has no known upstream, takes part in no outage, and is decided alone.</li>
 * </ol>
 * Names are lower case, ports dropped, at most {@value #MAX_CHARS} characters. The error type
 * ({@code err.http.response.timeout}) says how a step failed, not against what, so it is not used here; whether
 * a failure is retryable (and so counts towards an outage) is the category's business.
 */
public final class Upstream {

    public static final int MAX_CHARS = 200;

    /** Connectors that reach any host: their name alone does not say which system is down. */
    static final Set<String> GENERIC = Set.of("rest", "http", "http_v2", "rest_api", "soap", "graphql", "ftp",
            "sftp", "email", "open_api");

    private static final Pattern URL_HOST = Pattern.compile("(?i)\\bhttps?://([a-z0-9](?:[a-z0-9-]*[a-z0-9])?"
            + "(?:\\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)+)");
    private static final Pattern CONNECTION_HOST = Pattern.compile("(?i)\\bconnection to ([a-z0-9](?:[a-z0-9-]*"
            + "[a-z0-9])?(?:\\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)+)");

    private Upstream() {
    }

    /** The upstream of a failed job Workato answered (its detail with {@code lines}, or a list item); null: none. */
    public static String of(WorkatoJob job) {
        String error = job.error();
        if (error == null && job.errorParts() != null) {
            error = job.errorParts().message();
        }
        String adapter = null;
        if (job.lines() != null) {
            for (WorkatoJob.Line line : job.lines()) {
                if (line.errorDescriptor() != null && line.adapterName() != null && !line.adapterName().isBlank()) {
                    adapter = line.adapterName();
                    if (error == null) {
                        error = line.errorDescriptor().message();
                    }
                    break;
                }
            }
        }
        return of(adapter, error);
    }

    /** The upstream named by a failed step's connector (may be null) and the error text (may be null). */
    public static String of(String adapterName, String error) {
        String host = hostIn(error);
        if (adapterName != null && !adapterName.isBlank()) {
            String adapter = adapterName.strip().toLowerCase(Locale.ROOT);
            if (GENERIC.contains(adapter)) {
                return host == null ? null : cut(adapter + "@" + host);
            }
            if (!adapter.startsWith("workato_")) {
                return cut(adapter);
            }
        }
        return host == null ? null : cut("host:" + host);
    }

    /** The first host the error text names, lower case, without port; null when it names none. */
    static String hostIn(String error) {
        if (error == null || error.isEmpty()) {
            return null;
        }
        String text = error.length() > 4_096 ? error.substring(0, 4_096) : error;
        Matcher m = URL_HOST.matcher(text);
        if (m.find()) {
            return m.group(1).toLowerCase(Locale.ROOT);
        }
        m = CONNECTION_HOST.matcher(text);
        return m.find() ? m.group(1).toLowerCase(Locale.ROOT) : null;
    }

    private static String cut(String s) {
        return s.length() > MAX_CHARS ? s.substring(0, MAX_CHARS) : s;
    }
}
