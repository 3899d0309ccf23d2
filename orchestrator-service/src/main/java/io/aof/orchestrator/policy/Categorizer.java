package io.aof.orchestrator.policy;

import io.aof.common.events.Category;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Classifies a failure as Workato advises: on {@code error_type_id} first, then
 * on the HTTP status (given, or read from the message), then on message rules,
 * else {@link Category#UNKNOWN}. The rules are configuration, checked at start:
 * a bad category name or regex stops the service with the key that is wrong.
 */
public class Categorizer {

    /** "503 Service Unavailable", "HTTP 404", "status code: 429", "status=500" - not any number in the text. */
    private static final Pattern STATUS_IN_MESSAGE =
            Pattern.compile("(?i)(?:^\\s*|\\b(?:http|status|code|response)\\D{0,12})([1-5]\\d\\d)\\b");

    private final List<Rule> rules = new ArrayList<>();

    public Categorizer(List<OrchestratorProperties.CategoryRule> config) {
        for (int i = 0; i < config.size(); i++) {
            OrchestratorProperties.CategoryRule r = config.get(i);
            String key = "aof.orchestrator.categories[" + i + "]";
            Category category;
            try {
                category = Category.valueOf(String.valueOf(r.category()));
            } catch (IllegalArgumentException e) {
                throw new IllegalStateException(key + ".category: '" + r.category() + "' is not one of "
                        + List.of(Category.values()));
            }
            rules.add(new Rule(category, compile(key + ".error-type", r.errorType()),
                    r.httpStatus() == null ? List.of() : r.httpStatus(), compile(key + ".message", r.message())));
        }
    }

    public Category classify(String errorTypeId, Integer httpStatus, String message) {
        if (errorTypeId != null) {
            for (Rule r : rules) {
                if (r.errorType != null && r.errorType.matcher(errorTypeId).matches()) {
                    return r.category;
                }
            }
        }
        Integer status = httpStatus != null ? httpStatus : statusFromMessage(message);
        if (status != null) {
            for (Rule r : rules) {
                if (r.httpStatus.contains(status)) {
                    return r.category;
                }
            }
        }
        if (message != null) {
            for (Rule r : rules) {
                if (r.message != null && r.message.matcher(message).find()) {
                    return r.category;
                }
            }
        }
        return Category.UNKNOWN;
    }

    /** A leading HTTP status such as "503 Service Unavailable: ..." in a connector's message. */
    static Integer statusFromMessage(String message) {
        if (message == null) {
            return null;
        }
        Matcher m = STATUS_IN_MESSAGE.matcher(message.length() > 300 ? message.substring(0, 300) : message);
        return m.find() ? Integer.valueOf(m.group(1)) : null;
    }

    private static Pattern compile(String key, String regex) {
        if (regex == null || regex.isBlank()) {
            return null;
        }
        try {
            return Pattern.compile(regex);
        } catch (PatternSyntaxException e) {
            throw new IllegalStateException(key + ": invalid regular expression: " + e.getDescription());
        }
    }

    private record Rule(Category category, Pattern errorType, List<Integer> httpStatus, Pattern message) {
    }
}
