package io.aof.common.ops;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * {@code aof.ops.*}: the legacy shared operator account, kept so existing set-ups keep working: when
 * {@code AOF_OPS_PASSWORD} is set, {@code user} is a local {@link Role#ADMIN} (HTTP Basic) beside the users of
 * {@code aof.security.users}. Empty: no such user.
 *
 * @param user     the user name
 * @param password its password ({@code AOF_OPS_PASSWORD}); a secret
 */
@ConfigurationProperties("aof.ops")
public record OpsProperties(@DefaultValue("ops") String user, @DefaultValue("") String password) {

    @Override
    public String toString() {
        return "OpsProperties[user=" + user + ", password=" + (password.isEmpty() ? "<unset>" : "******") + "]";
    }
}
