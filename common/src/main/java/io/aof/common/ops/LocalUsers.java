package io.aof.common.ops;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.security.core.userdetails.User;
import org.springframework.security.core.userdetails.UserDetails;
import org.springframework.security.core.userdetails.UserDetailsService;
import org.springframework.security.crypto.bcrypt.BCryptPasswordEncoder;
import org.springframework.security.crypto.password.PasswordEncoder;
import org.springframework.security.provisioning.InMemoryUserDetailsManager;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * The users who sign in with a password (HTTP Basic): those of {@code aof.security.users} (BCrypt hashes), and
 * the legacy operator of {@code aof.ops.*}, kept as a local admin so existing set-ups keep working.
 *
 * <p>The legacy password comes in clear (an environment variable); it is compared by its SHA-256 in constant
 * time, not by BCrypt: a hash made at start and kept only in memory next to the password it came from adds no
 * protection, and scripts that read the API with it would pay BCrypt's ~50-100 ms on every call.
 */
final class LocalUsers {

    private static final Logger log = LoggerFactory.getLogger(LocalUsers.class);
    static final String BCRYPT_ID = "{bcrypt}";
    static final String OPS_ID = "{ops-sha256}";

    static UserDetailsService of(SecurityProperties security, OpsProperties ops) {
        List<UserDetails> users = new ArrayList<>();
        for (SecurityProperties.LocalUser u : security.users()) {
            String hash = u.passwordHash().startsWith(BCRYPT_ID) ? u.passwordHash() : BCRYPT_ID + u.passwordHash();
            users.add(User.withUsername(u.name()).password(hash)
                    .authorities(u.roles().stream().map(Role::authority).toArray(String[]::new)).build());
        }
        if (ops.password().isEmpty()) {
            log.info("AOF_OPS_PASSWORD (aof.ops.password) is not set: no legacy '{}' admin; {} local user(s) from "
                    + "aof.security.users", ops.user(), users.size());
        } else if (security.users().stream().anyMatch(u -> u.name().equals(ops.user()))) {
            throw new IllegalStateException("aof.ops.user '" + ops.user() + "' is also in aof.security.users: "
                    + "remove one of them (AOF_OPS_PASSWORD makes '" + ops.user() + "' a local admin)");
        } else {
            users.add(User.withUsername(ops.user()).password(OPS_ID + sha256(ops.password()))
                    .authorities(Role.ADMIN.authority()).build());
        }
        return new InMemoryUserDetailsManager(users);
    }

    /** BCrypt for configured users, SHA-256 for the legacy password; never re-encoded after a sign-in. */
    static PasswordEncoder passwordEncoder() {
        BCryptPasswordEncoder bcrypt = new BCryptPasswordEncoder();
        return new PasswordEncoder() {
            @Override
            public String encode(CharSequence raw) {
                return BCRYPT_ID + bcrypt.encode(raw);
            }

            @Override
            public boolean matches(CharSequence raw, String encoded) {
                if (raw == null || encoded == null) {
                    return false;
                }
                if (encoded.startsWith(OPS_ID)) {
                    return MessageDigest.isEqual(sha256(raw.toString()).getBytes(StandardCharsets.US_ASCII),
                            encoded.substring(OPS_ID.length()).getBytes(StandardCharsets.US_ASCII));
                }
                return encoded.startsWith(BCRYPT_ID) && bcrypt.matches(raw, encoded.substring(BCRYPT_ID.length()));
            }

            @Override
            public boolean upgradeEncoding(String encoded) {
                return false;
            }
        };
    }

    static String sha256(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private LocalUsers() {
    }
}
