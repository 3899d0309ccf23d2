package io.aof.orchestrator.policy;

import io.aof.common.events.Category;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * The policies in force, as {@code GET /api/policies} and {@code /actuator/aof} show them: the policy of each
 * category, the overrides by recipe or folder, and the categorization rules, in the order they are tried.
 */
public record PolicyView(Map<Category, RetryPolicy> categories, List<OrchestratorProperties.Override> overrides,
                         List<OrchestratorProperties.CategoryRule> rules) {

    public static PolicyView of(PolicyBook book, OrchestratorProperties props) {
        Map<Category, RetryPolicy> byCategory = new EnumMap<>(Category.class);
        for (Category c : Category.values()) {
            byCategory.put(c, book.forCategory(c));
        }
        return new PolicyView(byCategory, props.policies().overrides(), props.categories());
    }
}
