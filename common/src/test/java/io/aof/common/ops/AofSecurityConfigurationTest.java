package io.aof.common.ops;

import org.junit.jupiter.api.Test;
import org.springframework.security.core.userdetails.UserDetails;
import org.springframework.security.crypto.factory.PasswordEncoderFactories;
import org.springframework.security.crypto.password.PasswordEncoder;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The operator account: what the service starts with, set or unset. */
class AofSecurityConfigurationTest {

    final PasswordEncoder encoder = PasswordEncoderFactories.createDelegatingPasswordEncoder();

    @Test
    void withoutAPasswordTheServiceStartsAndNobodyGetsIn() {
        UserDetails ops = new AofSecurityConfiguration().aofOperator(new OpsProperties("ops", ""))
                .loadUserByUsername("ops");
        assertThat(encoder.matches("", ops.getPassword())).isFalse();
        assertThat(encoder.matches("ops", ops.getPassword())).isFalse();
    }

    @Test
    void theConfiguredPasswordLetsTheOperatorIn() {
        UserDetails ops = new AofSecurityConfiguration().aofOperator(new OpsProperties("alice", "s3cret"))
                .loadUserByUsername("alice");
        assertThat(encoder.matches("s3cret", ops.getPassword())).isTrue();
        assertThat(ops.getAuthorities()).extracting(Object::toString).containsExactly("ROLE_OPS");
    }

    @Test
    void aPasswordBCryptCannotKeepIsRefusedNamingTheSetting() {
        assertThatThrownBy(() -> new OpsProperties("ops", "x".repeat(73)))
                .hasMessageContaining("aof.ops.password").hasMessageContaining("72 bytes");
    }
}
