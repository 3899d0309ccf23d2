package io.aof.common.ops;

import org.springframework.security.access.hierarchicalroles.RoleHierarchy;
import org.springframework.security.access.hierarchicalroles.RoleHierarchyImpl;

import java.util.Locale;
import java.util.Optional;

/**
 * Who may do what, from least to most: a {@link #VIEWER} reads (incidents, timelines, the log, reports, the ops
 * page), an {@link #OPERATOR} also acts on incidents (replay, resolve, suppress, acknowledge escalations, re-drive
 * dead letters, send failed notifications again), an {@link #ADMIN} also sees and changes how AOF runs (Actuator;
 * policies, routes and watch scope where they become changeable). {@link #METRICS} stands apart: a scraper's
 * credential that may read {@code /actuator/prometheus} and nothing else.
 */
public enum Role {
    VIEWER, OPERATOR, ADMIN, METRICS;

    /** Each role holds the rights of the ones below it; METRICS is held by ADMIN only. */
    static RoleHierarchy hierarchy() {
        return RoleHierarchyImpl.withDefaultRolePrefix()
                .role(ADMIN.name()).implies(OPERATOR.name(), METRICS.name())
                .role(OPERATOR.name()).implies(VIEWER.name())
                .build();
    }

    /** The granted authority Spring Security checks ({@code ROLE_VIEWER}, ...). */
    public String authority() {
        return "ROLE_" + name();
    }

    /** A role named in configuration or in a token ({@code viewer}, {@code OPERATOR}, ...); empty if none. */
    public static Optional<Role> parse(String text) {
        if (text == null) {
            return Optional.empty();
        }
        try {
            return Optional.of(valueOf(text.trim().toUpperCase(Locale.ROOT)));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }
}
