package io.aof.collation.poll;

import io.aof.collation.CollationProperties;
import io.aof.common.workato.WorkatoRecipe;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class WatchScopeTest {

    private static WorkatoRecipe recipe(long id, String name, Long folder) {
        return new WorkatoRecipe(id, name, folder, true, 0L, 0L, null, null, null, null, null);
    }

    @Test
    void withNoIncludeEverythingButTheExcludesIsWatched() {
        WatchScope all = new WatchScope(new CollationProperties.Watch(List.of(), List.of(), List.of(), List.of(7L),
                List.of("(?i).*sandbox.*")));
        assertThat(all.foldersToList()).isNull();
        assertThat(all.watches(recipe(1, "Orders", 3L), false)).isTrue();
        assertThat(all.watches(recipe(7, "Orders", 3L), false)).isFalse();
        assertThat(all.watches(recipe(8, "Orders (SANDBOX)", 3L), false)).isFalse();
    }

    @Test
    void includesByFolderIdOrNamePatternAndExcludesWin() {
        WatchScope onlyFolders = new WatchScope(new CollationProperties.Watch(List.of(11L), List.of(), List.of(),
                List.of(), List.of()));
        assertThat(onlyFolders.foldersToList()).containsExactly(11L);
        assertThat(onlyFolders.watches(recipe(1, "In a subfolder", 99L), true)).isTrue();

        WatchScope mixed = new WatchScope(new CollationProperties.Watch(List.of(11L), List.of(42L),
                List.of("Invoice.*"), List.of(43L), List.of()));
        assertThat(mixed.foldersToList()).isNull();
        assertThat(mixed.watches(recipe(1, "Orders", 11L), false)).isTrue();
        assertThat(mixed.watches(recipe(42, "Anything", 5L), false)).isTrue();
        assertThat(mixed.watches(recipe(2, "Invoice export", 5L), false)).isTrue();
        assertThat(mixed.watches(recipe(43, "Invoice import", 11L), false)).isFalse();
        assertThat(mixed.watches(recipe(3, "Orders", 5L), false)).isFalse();
    }

    @Test
    void aBadPatternStopsStartWithTheKey() {
        assertThatThrownBy(() -> new WatchScope(new CollationProperties.Watch(List.of(), List.of(), List.of("("),
                List.of(), List.of()))).hasMessageContaining("aof.collation.watch.name-patterns[0]");
    }
}
