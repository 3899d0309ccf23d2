package io.aof.common.ops;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.HexFormat;

/**
 * AOF's one webhook signature, both ways (the intake checks it, the notifier's
 * JSON webhooks send it): {@code X-AOF-Timestamp: <Unix seconds>} and
 * {@code X-AOF-Signature: sha256=<hex HMAC-SHA256 of "<timestamp>.<raw body>">}.
 */
public final class Signature {

    private Signature() {
    }

    /** The {@code X-AOF-Signature} value for this secret, timestamp and body. */
    public static String of(String secret, String timestamp, byte[] body) {
        return of(secret.getBytes(StandardCharsets.UTF_8), timestamp, body);
    }

    /** The same, with the secret as its UTF-8 bytes. */
    public static String of(byte[] secret, String timestamp, byte[] body) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret, "HmacSHA256"));
            mac.update((timestamp + ".").getBytes(StandardCharsets.UTF_8));
            return "sha256=" + HexFormat.of().formatHex(mac.doFinal(body));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 unavailable", e);
        }
    }
}
