package io.aof.orchestrator.incident;

import jakarta.persistence.LockModeType;
import org.springframework.data.jpa.repository.JpaRepository;
import org.springframework.data.jpa.repository.Lock;
import org.springframework.data.jpa.repository.Modifying;
import org.springframework.data.jpa.repository.Query;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * Maintenance windows, read and written whole. "On" is always decided by the database's clock: HQL's
 * {@code instant} is PostgreSQL's {@code current_timestamp}, the transaction's {@code now()}, which the release
 * sweep ({@link IncidentStore}'s SQL) compares with too, so no window looks over to one and on to the other.
 * (Not JPQL's {@code current_timestamp}: Hibernate writes that as {@code localtimestamp}, a time without zone that
 * PostgreSQL compares in the session's time zone, an hour off in the hour a daylight-saving change repeats.)
 */
interface RecipeSuppressionRepository extends JpaRepository<RecipeSuppression, Long> {

    /** The recipe's window if it is on. */
    @Query("select s from RecipeSuppression s where s.recipeId = :recipeId and s.until > instant")
    Optional<RecipeSuppression> findActive(long recipeId);

    /** The windows that are on, the one ending first first. */
    @Query("select s from RecipeSuppression s where s.until > instant order by s.until")
    List<RecipeSuppression> findAllActive();

    /** The recipe's window, row-locked until the transaction ends (whether on or over). */
    @Lock(LockModeType.PESSIMISTIC_WRITE)
    @Query("select s from RecipeSuppression s where s.recipeId = :recipeId")
    Optional<RecipeSuppression> lock(long recipeId);

    /**
     * Sets the recipe's window, or replaces the one it has, and writes it at once (so that SQL later in the
     * transaction sees it); returns it as stored, or empty if {@code until} is already over on the database's
     * clock. Two operators setting a recipe's first window at the same moment both insert it: the later one fails
     * with a {@link org.springframework.dao.DataIntegrityViolationException} and is tried again (then it replaces).
     */
    default Optional<RecipeSuppression> suppress(long recipeId, Instant until, String reason, String by) {
        lock(recipeId).ifPresentOrElse(s -> s.replaceWith(until, reason, by),
                () -> save(new RecipeSuppression(recipeId, until, reason, by)));
        flush();
        return findActive(recipeId);
    }

    /** Ends the recipe's window now (deletes it); how many it deleted: 1, or 0 when it had none. */
    @Modifying
    @Query("delete from RecipeSuppression s where s.recipeId = :recipeId")
    int end(long recipeId);
}
