package io.aof.common.ops;

/**
 * What the domain refuses, in its own words and with no HTTP in it: an incident
 * that does not exist, an action its state does not allow, a request that makes
 * no sense. {@link DomainProblems} (one advice for every service) turns it into
 * an RFC 9457 problem detail with the status its {@link Kind} stands for.
 */
public class DomainException extends RuntimeException {

    /** Why the domain refused. */
    public enum Kind {
        /** The thing acted on does not exist (404). */
        NOT_FOUND,
        /** The thing exists but its state does not allow this now (409). */
        CONFLICT,
        /** The request itself is wrong (400). */
        INVALID
    }

    private final Kind kind;

    public DomainException(Kind kind, String detail) {
        super(detail);
        this.kind = kind;
    }

    public static DomainException notFound(String detail) {
        return new DomainException(Kind.NOT_FOUND, detail);
    }

    public static DomainException conflict(String detail) {
        return new DomainException(Kind.CONFLICT, detail);
    }

    public static DomainException invalid(String detail) {
        return new DomainException(Kind.INVALID, detail);
    }

    public Kind kind() {
        return kind;
    }
}
