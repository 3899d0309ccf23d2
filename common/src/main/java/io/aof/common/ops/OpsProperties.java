package io.aof.common.ops;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * {@code aof.ops.*}: the operator's credentials (HTTP Basic) for Actuator
 * (everything but health and info) and for the actions of the REST API
 * (replay, resolve, suppress, acknowledge). An empty password locks them.
 *
 * @param user     the operator's user name
 * @param password the operator's password ({@code AOF_OPS_PASSWORD}); a secret
 */
@ConfigurationProperties("aof.ops")
public record OpsProperties(@DefaultValue("ops") String user, @DefaultValue("") String password) {

    /** BCrypt, which keeps the password, uses at most 72 bytes of it. */
    static final int MAX_PASSWORD_BYTES = 72;

    public OpsProperties {
        if (password.getBytes(java.nio.charset.StandardCharsets.UTF_8).length > MAX_PASSWORD_BYTES) {
            throw new IllegalArgumentException("aof.ops.password (AOF_OPS_PASSWORD) is longer than "
                    + MAX_PASSWORD_BYTES + " bytes, more than BCrypt can keep: choose a shorter one");
        }
    }

    @Override
    public String toString() {
        return "OpsProperties[user=" + user + ", password=" + (password.isEmpty() ? "<unset>" : "******") + "]";
    }
}
