package io.aof.simulator;

import java.util.Map;
import java.util.regex.Pattern;

/**
 * The connectors a simulated recipe's action step may use ({@code adapter_name} in a job's {@code lines}), and
 * what a step of each one answers while its upstream is down ({@code PUT /sim/connectors/{connector}/outage}).
 * A few well-known connectors have an error of their own, as Workato shows it; any other connector times out
 * against {@code https://api.<connector>.example.com}. Each error names its host, as real ones do, so the
 * upstream can be told from the text as well as from the failed step's connector.
 */
final class Connectors {

    /** The connector of a recipe created without one: what the simulator's action step always was. */
    static final String DEFAULT = "rest";

    private static final Pattern NAME = Pattern.compile("[a-z0-9_]{1,64}");

    /**
     * What a step answers during its connector's outage.
     *
     * @param operation   the step's {@code adapter_operation}
     * @param error       the failed step's message (the job's {@code error})
     * @param errorTypeId Workato's {@code error_type_id}, null where the connector sets none (non-HTTP ones)
     * @param httpCode    the HTTP status of the failed step, null where there is none
     */
    record OutageError(String operation, String error, String errorTypeId, Integer httpCode) {
    }

    private static final OutageError HTTP_BAD_GATEWAY = new OutageError("make_request",
            "502 Bad Gateway from https://api.acme.example/v1/orders: <html><head><title>502 Bad Gateway</title>"
                    + "</head><body><center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center></body></html>",
            "err.http.response.server_error", 502);

    private static final Map<String, OutageError> KNOWN = Map.of(
            "netsuite", new OutageError("upsert_record",
                    "Request to https://acme.suitetalk.api.netsuite.com/services/NetSuitePort_2023_2 timed out after"
                            + " 60 seconds (Net::ReadTimeout)",
                    "err.http.response.timeout", 504),
            "salesforce", new OutageError("upsert_sobject",
                    "503 Service Unavailable from https://acme.my.salesforce.com/services/data/v59.0/composite/"
                            + "sobjects: [{\"errorCode\":\"SERVER_UNAVAILABLE\",\"message\":\"Server temporarily"
                            + " unavailable, please try again later\"}]",
                    "err.http.response.server_error", 503),
            "sftp", new OutageError("upload_file",
                    "Failed to open TCP connection to sftp.acme.example:22 (Connection refused - connect(2) for"
                            + " \"sftp.acme.example\" port 22)",
                    null, null),
            "rest", HTTP_BAD_GATEWAY,
            "http", HTTP_BAD_GATEWAY);

    private Connectors() {
    }

    /** The connector a recipe was given, checked: null means {@link #DEFAULT}. */
    static String validate(String connector) {
        if (connector == null) {
            return DEFAULT;
        }
        if (!NAME.matcher(connector).matches()) {
            throw new IllegalArgumentException("connector must be 1 to 64 lower-case letters, digits or underscores"
                    + " (a Workato adapter name such as netsuite or salesforce), got \"" + shorten(connector) + "\"");
        }
        return connector;
    }

    /** The {@code adapter_operation} of a recipe's action step using {@code connector}. */
    static String operation(String connector) {
        return outageError(connector).operation();
    }

    /** What a step of {@code connector} answers while the connector is down. */
    static OutageError outageError(String connector) {
        OutageError known = KNOWN.get(connector);
        if (known != null) {
            return known;
        }
        // underscores are not allowed in host names: google_sheets talks to api.google-sheets.example.com
        String host = "api." + connector.replace('_', '-') + ".example.com";
        return new OutageError("custom_action", "Request to https://" + host + "/v1/requests timed out after 60"
                + " seconds (Net::ReadTimeout)", "err.http.response.timeout", 504);
    }

    private static String shorten(String s) {
        return s.length() > 80 ? s.substring(0, 80) + "..." : s;
    }
}
