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

    @Override
    public String toString() {
        return "OpsProperties[user=" + user + ", password=" + (password.isEmpty() ? "<unset>" : "******") + "]";
    }
}
