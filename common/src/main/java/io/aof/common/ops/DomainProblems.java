package io.aof.common.ops;

import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;

/**
 * The one place where a service's {@link DomainException}s become problem
 * details: 404, 409 or 400 with the domain's own sentence as the detail.
 * Imported by every service with {@link AofSecurityConfiguration}.
 */
@RestControllerAdvice
public class DomainProblems {

    @ExceptionHandler(DomainException.class)
    ProblemDetail problem(DomainException e) {
        HttpStatus status = switch (e.kind()) {
            case NOT_FOUND -> HttpStatus.NOT_FOUND;
            case CONFLICT -> HttpStatus.CONFLICT;
            case INVALID -> HttpStatus.BAD_REQUEST;
        };
        return ProblemDetail.forStatusAndDetail(status, e.getMessage());
    }
}
