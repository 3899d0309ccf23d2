package io.aof.orchestrator.policy;

import io.aof.common.events.Category;
import io.aof.common.events.NotificationRequested.Severity;
import io.aof.orchestrator.policy.OrchestratorProperties.AfterSuppression;
import io.aof.orchestrator.policy.OrchestratorProperties.NotifyWhen;
import io.aof.orchestrator.policy.OrchestratorProperties.PolicySpec;

import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Resolves the retry policy of an incident, field by field, from the least to
 * the most specific level: the defaults, the category, then overrides by
 * recipe-name pattern, by folder, by recipe id. Everything is checked at start:
 * an unknown category, a bad regex, an override that says neither what it
 * matches nor what it changes, or an impossible number stops the service with a
 * message naming the key.
 */
public class PolicyBook {

    private static final String KEY = "aof.orchestrator.policies";

    private final PolicySpec defaults;
    private final Map<Category, PolicySpec> byCategory = new EnumMap<>(Category.class);
    private final List<CompiledOverride> overrides = new ArrayList<>();

    public PolicyBook(OrchestratorProperties.Policies config) {
        PolicySpec d = config.defaults();
        this.defaults = new PolicySpec(or(d.retryable(), true), or(d.maxAttempts(), 5),
                or(d.initialDelay(), Duration.ofMinutes(5)), or(d.multiplier(), 2.0),
                or(d.maxDelay(), Duration.ofMinutes(10)), or(d.jitter(), 0.2), or(d.severity(), Severity.WARNING),
                or(d.notifyOps(), NotifyWhen.FIRST_AND_FINAL), or(d.escalate(), true),
                or(d.afterSuppression(), AfterSuppression.SCHEDULE));
        validate(KEY + ".defaults", resolveFrom(List.of(defaults), "defaults"));
        config.categories().forEach((name, spec) -> {
            Category c = category(KEY + ".categories." + name, name);
            byCategory.put(c, spec);
            validate(KEY + ".categories." + name, resolveFrom(List.of(defaults, spec), "category"));
        });
        for (int i = 0; i < config.overrides().size(); i++) {
            overrides.add(compile(KEY + ".overrides[" + i + "]", config.overrides().get(i)));
        }
        for (Category c : Category.values()) {
            for (CompiledOverride o : overrides) {
                validate(o.key, resolveFrom(List.of(defaults, byCategory.getOrDefault(c, empty()), o.spec), o.key));
            }
        }
    }

    /** The policy of a category alone (no recipe known). */
    public RetryPolicy forCategory(Category category) {
        return resolve(category, null, null, null);
    }

    /** The policy for an incident of {@code category} in the given recipe. */
    public RetryPolicy resolve(Category category, Long recipeId, Long folderId, String recipeName) {
        List<PolicySpec> levels = new ArrayList<>();
        List<String> names = new ArrayList<>();
        levels.add(defaults);
        names.add("defaults");
        PolicySpec c = byCategory.get(category);
        if (c != null) {
            levels.add(c);
            names.add("category " + category);
        }
        for (Level level : Level.values()) {
            for (CompiledOverride o : overrides) {
                if (o.level == level && o.matches(category, recipeId, folderId, recipeName)) {
                    levels.add(o.spec);
                    names.add(o.key);
                }
            }
        }
        return resolveFrom(levels, String.join(" < ", names));
    }

    private static RetryPolicy resolveFrom(List<PolicySpec> levels, String source) {
        PolicySpec r = levels.get(0);
        for (int i = 1; i < levels.size(); i++) {
            PolicySpec s = levels.get(i);
            r = new PolicySpec(or(s.retryable(), r.retryable()), or(s.maxAttempts(), r.maxAttempts()),
                    or(s.initialDelay(), r.initialDelay()), or(s.multiplier(), r.multiplier()),
                    or(s.maxDelay(), r.maxDelay()), or(s.jitter(), r.jitter()), or(s.severity(), r.severity()),
                    or(s.notifyOps(), r.notifyOps()), or(s.escalate(), r.escalate()),
                    or(s.afterSuppression(), r.afterSuppression()));
        }
        return new RetryPolicy(r.retryable(), r.maxAttempts(), r.initialDelay(), r.multiplier(), r.maxDelay(),
                r.jitter(), r.severity(), r.notifyOps(), r.escalate(), r.afterSuppression(), source);
    }

    private CompiledOverride compile(String key, OrchestratorProperties.Override o) {
        int selectors = (o.recipeIds() != null && !o.recipeIds().isEmpty() ? 1 : 0)
                + (o.folderIds() != null && !o.folderIds().isEmpty() ? 1 : 0)
                + (o.recipeName() != null && !o.recipeName().isBlank() ? 1 : 0);
        if (selectors != 1) {
            throw new IllegalStateException(key + ": give exactly one of recipe-ids, folder-ids, recipe-name");
        }
        if (o.policy() == null) {
            throw new IllegalStateException(key + ".policy: missing; say what the override changes");
        }
        List<Category> categories = new ArrayList<>();
        if (o.categories() != null) {
            for (int i = 0; i < o.categories().size(); i++) {
                categories.add(category(key + ".categories[" + i + "]", o.categories().get(i)));
            }
        }
        Pattern name = null;
        Level level;
        if (o.recipeIds() != null && !o.recipeIds().isEmpty()) {
            level = Level.RECIPE;
        } else if (o.folderIds() != null && !o.folderIds().isEmpty()) {
            level = Level.FOLDER;
        } else {
            level = Level.NAME;
            try {
                name = Pattern.compile(o.recipeName());
            } catch (PatternSyntaxException e) {
                throw new IllegalStateException(key + ".recipe-name: invalid regular expression: "
                        + e.getDescription());
            }
        }
        return new CompiledOverride(key, level, o.recipeIds(), o.folderIds(), name, categories, o.policy());
    }

    private static Category category(String key, String name) {
        try {
            return Category.valueOf(name);
        } catch (IllegalArgumentException | NullPointerException e) {
            throw new IllegalStateException(key + ": '" + name + "' is not a category; known: "
                    + List.of(Category.values()));
        }
    }

    private static void validate(String key, RetryPolicy p) {
        if (p.maxAttempts() < 0 || p.maxAttempts() > 100) {
            throw new IllegalStateException(key + ".max-attempts must be between 0 and 100, was " + p.maxAttempts());
        }
        if (p.multiplier() < 1.0) {
            throw new IllegalStateException(key + ".multiplier must be at least 1.0, was " + p.multiplier());
        }
        if (p.jitter() < 0 || p.jitter() > 1) {
            throw new IllegalStateException(key + ".jitter must be between 0 and 1, was " + p.jitter());
        }
        if (p.initialDelay().isNegative() || p.maxDelay().compareTo(p.initialDelay()) < 0) {
            throw new IllegalStateException(key + ".max-delay (" + p.maxDelay() + ") must not be below "
                    + "initial-delay (" + p.initialDelay() + ")");
        }
    }

    private static PolicySpec empty() {
        return new PolicySpec(null, null, null, null, null, null, null, null, null, null);
    }

    private static <T> T or(T value, T fallback) {
        return value != null ? value : fallback;
    }

    /** Least specific first: a later level wins. */
    private enum Level { NAME, FOLDER, RECIPE }

    private record CompiledOverride(String key, Level level, List<Long> recipeIds, List<Long> folderIds,
                                    Pattern name, List<Category> categories, PolicySpec spec) {

        boolean matches(Category category, Long recipeId, Long folderId, String recipeName) {
            if (!categories.isEmpty() && !categories.contains(category)) {
                return false;
            }
            return switch (level) {
                case RECIPE -> recipeId != null && recipeIds.contains(recipeId);
                case FOLDER -> folderId != null && folderIds.contains(folderId);
                case NAME -> recipeName != null && name.matcher(recipeName).matches();
            };
        }
    }
}
