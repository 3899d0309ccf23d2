package io.aof.common.ops;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.security.Principal;

/**
 * Who did it: the authenticated caller, never a name the caller typed. Request bodies may still carry the old
 * {@code requestedBy} (or {@code by}); it is ignored, and a name that differs from the caller's is logged, since
 * it means a script or a person believes the audit will say something it will not.
 */
public final class Actor {

    private static final Logger log = LoggerFactory.getLogger(Actor.class);
    private static final int MAX_LOGGED = 200;

    /** The caller's name; {@code claimed} is the name the request gave, if any. */
    public static String of(Principal principal, String claimed, String action) {
        if (principal == null || principal.getName() == null || principal.getName().isBlank()) {
            // the filter chain lets no anonymous caller reach an action: reaching here is a wiring mistake
            throw new IllegalStateException(action + " reached without an authenticated caller");
        }
        String name = principal.getName();
        if (claimed != null && !claimed.isBlank() && !claimed.equals(name)) {
            String shown = claimed.length() > MAX_LOGGED ? claimed.substring(0, MAX_LOGGED) + "..." : claimed;
            log.warn("{} by {}: the request names '{}' as requestedBy; ignored, the signed-in caller is recorded",
                    action, name, shown.replaceAll("\\p{Cntrl}", "?"));
        }
        return name;
    }

    private Actor() {
    }
}
