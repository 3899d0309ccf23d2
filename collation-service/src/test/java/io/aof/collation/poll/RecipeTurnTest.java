package io.aof.collation.poll;

import io.aof.collation.CollationAgainstSimulatorTest;
import io.aof.common.workato.WorkatoRecipe;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The order {@link FailedJobPoller#inTurn} gives: after the recipe the previous sweep ended with, wrapping
 * around. Two real sweeps, the first stopped in a recipe: {@code CollationAgainstSimulatorTest
 * .aSweepStoppedInARecipeStartsTheNextSweepWithTheRecipesAfterItSoTheyAreNotStarved}.
 */
class RecipeTurnTest {

    private static WorkatoRecipe recipe(long id) {
        return new WorkatoRecipe(id, "r" + id, null, true, 0L, 0L, null, null, null, null, null);
    }

    private static List<Long> order(List<WorkatoRecipe> watched, Long endedWith) {
        return FailedJobPoller.inTurn(watched, endedWith).stream().map(WorkatoRecipe::id).toList();
    }

    @Test
    void theOrderStartsAfterTheRecipeEndedWithWrapsAroundAndIsTheListingOrderWhenThatRecipeIsGone() {
        List<WorkatoRecipe> watched = List.of(recipe(1), recipe(2), recipe(3));

        assertThat(order(watched, null)).containsExactly(1L, 2L, 3L);
        // the previous sweep stopped at recipe 1 (its storm used up the read budget): 2 and 3 go first
        assertThat(order(watched, 1L)).containsExactly(2L, 3L, 1L);
        assertThat(order(watched, 2L)).containsExactly(3L, 1L, 2L);
        // it went through them all: listing order again
        assertThat(order(watched, 3L)).containsExactly(1L, 2L, 3L);
        // the recipe it ended with is no longer watched
        assertThat(order(watched, 99L)).containsExactly(1L, 2L, 3L);
        assertThat(order(List.of(), 1L)).isEmpty();
    }
}
