package io.aof.orchestrator.incident;

import org.springframework.data.jpa.repository.EntityGraph;
import org.springframework.data.jpa.repository.JpaRepository;

import java.util.Optional;

/**
 * Incidents, read whole, not locked (for people: the API and the ops page). What changes one takes it with
 * {@link IncidentStore#lock}; what opens one goes through {@link IncidentStore#insert}; the keyset-paged list,
 * the counts and the sweeps' queues are SQL in {@link IncidentStore}.
 */
interface IncidentRepository extends JpaRepository<Incident, String> {

    /** The incident with its attempts, read in one statement. */
    @EntityGraph(attributePaths = "attempts")
    Optional<Incident> findWithAttemptsById(String id);
}
