package io.aof.common.ops;

import io.aof.common.text.ExternalText;
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

    /** The caller's name; {@code claimed} is the name the request gave, if any. */
    public static String of(Principal principal, String claimed, String action) {
        if (principal == null || principal.getName() == null || principal.getName().isBlank()) {
            // the filter chain lets no anonymous caller reach an action: reaching here is a wiring mistake
            throw new IllegalStateException(action + " reached without an authenticated caller");
        }
        String name = principal.getName();
        if (claimed != null && !claimed.isBlank() && !claimed.equals(name)) {
            // text from outside: cleaned and capped where it enters, as every other field is
            log.warn("{} by {}: the request names '{}' as requestedBy; ignored, the signed-in caller is recorded",
                    action, name, ExternalText.field(claimed));
        }
        return name;
    }

    private Actor() {
    }
}
