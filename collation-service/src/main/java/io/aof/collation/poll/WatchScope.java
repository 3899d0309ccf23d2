package io.aof.collation.poll;

import io.aof.collation.CollationProperties;
import io.aof.common.workato.WorkatoRecipe;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/** The recipes collation watches ({@code aof.collation.watch}), checked at start. */
final class WatchScope {

    private final CollationProperties.Watch watch;
    private final List<Pattern> names = new ArrayList<>();
    private final List<Pattern> excludedNames = new ArrayList<>();

    WatchScope(CollationProperties.Watch watch) {
        this.watch = watch;
        compile("aof.collation.watch.name-patterns", watch.namePatterns(), names);
        compile("aof.collation.watch.exclude-name-patterns", watch.excludeNamePatterns(), excludedNames);
    }

    /** Folders to list by themselves, when folders are the only include; else null: list everything. */
    List<Long> foldersToList() {
        boolean onlyFolders = !watch.folderIds().isEmpty() && watch.recipeIds().isEmpty() && names.isEmpty();
        return onlyFolders ? watch.folderIds() : null;
    }

    /**
     * Whether a recipe is watched. {@code listedByFolder}: it came from a folder
     * listing (so it is in a watched folder or one of its subfolders).
     */
    boolean watches(WorkatoRecipe r, boolean listedByFolder) {
        if (watch.excludeRecipeIds().contains(r.id()) || matches(excludedNames, r.name())) {
            return false;
        }
        boolean anyInclude = !watch.folderIds().isEmpty() || !watch.recipeIds().isEmpty() || !names.isEmpty();
        return !anyInclude || listedByFolder || watch.recipeIds().contains(r.id())
                || (r.folderId() != null && watch.folderIds().contains(r.folderId())) || matches(names, r.name());
    }

    private static boolean matches(List<Pattern> patterns, String name) {
        return name != null && patterns.stream().anyMatch(p -> p.matcher(name).matches());
    }

    private static void compile(String key, List<String> regexes, List<Pattern> into) {
        for (int i = 0; i < regexes.size(); i++) {
            try {
                into.add(Pattern.compile(regexes.get(i)));
            } catch (PatternSyntaxException e) {
                throw new IllegalStateException(key + "[" + i + "]: invalid regular expression: " + e.getDescription());
            }
        }
    }
}
