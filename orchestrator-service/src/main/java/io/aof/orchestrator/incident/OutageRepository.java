package io.aof.orchestrator.incident;

import org.springframework.data.domain.Limit;
import org.springframework.data.jpa.repository.JpaRepository;
import org.springframework.data.jpa.repository.Query;

import java.util.List;
import java.util.Optional;

/**
 * Outages, read whole, not locked. What changes one first takes it with {@link OutageStore#lock} or
 * {@link OutageStore#lockOpen} (locked, read afresh); what opens one goes through
 * {@link OutageStore#insertIfNoneOpen}.
 */
interface OutageRepository extends JpaRepository<Outage, String> {

    /** The open outage of an upstream, if any (not locked). */
    @Query("select o from Outage o where o.workspace = :workspace and o.upstream = :upstream and o.endedAt is null")
    Optional<Outage> findOpen(String workspace, String upstream);

    /** The ids of the open outages, oldest first (not locked: the sweep locks each in its own transaction). */
    @Query("select o.id from Outage o where o.endedAt is null order by o.openedAt, o.id")
    List<String> openIds();

    /** How many are open now (the {@code aof.outages.open} gauge). */
    long countByEndedAtIsNull();

    List<Outage> findByEndedAtIsNullOrderByOpenedAtDescIdDesc(Limit limit);

    List<Outage> findByEndedAtIsNotNullOrderByOpenedAtDescIdDesc(Limit limit);

    List<Outage> findAllByOrderByOpenedAtDescIdDesc(Limit limit);

    /** Outages newest first; {@code open} true: only open ones, false: only ended ones, null: all. */
    default List<Outage> list(Boolean open, int limit) {
        return open == null ? findAllByOrderByOpenedAtDescIdDesc(Limit.of(limit))
                : open ? findByEndedAtIsNullOrderByOpenedAtDescIdDesc(Limit.of(limit))
                : findByEndedAtIsNotNullOrderByOpenedAtDescIdDesc(Limit.of(limit));
    }
}
