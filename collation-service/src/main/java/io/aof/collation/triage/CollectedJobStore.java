package io.aof.collation.triage;

import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Repository;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * {@code collected_job}: every failed job collation has seen, by its id, the
 * natural key that makes collection idempotent whichever way (poll, webhook,
 * both, again) the job arrives.
 */
@Repository
public class CollectedJobStore {

    /** What became of a collected job. */
    enum Disposition {
        /** Published as a failure ({@code JobFailed}). */
        PUBLISHED,
        /** A test job, run by hand in the recipe editor: never repeated. */
        TEST_JOB,
        /** A called job whose workflow root failed too: part of the root's incident. */
        LINKED
    }

    private final JdbcTemplate jdbc;

    public CollectedJobStore(JdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    /** Records the job as collected for {@code incidentId}; false when it was collected already. */
    boolean insert(String jobId, long recipeId, String incidentId, String source) {
        return insert(jobId, recipeId, incidentId, source, Disposition.PUBLISHED);
    }

    /** As {@link #insert(String, long, String, String)}, with what became of it. */
    boolean insert(String jobId, long recipeId, String incidentId, String source, Disposition disposition) {
        return jdbc.update("INSERT INTO collected_job (job_id, recipe_id, incident_id, source, disposition) "
                        + "VALUES (?, ?, ?, ?, ?) ON CONFLICT (job_id) DO NOTHING", jobId, recipeId, incidentId,
                source, disposition.name()) == 1;
    }

    boolean isCollected(String jobId) {
        return Boolean.TRUE.equals(jdbc.queryForObject(
                "SELECT EXISTS (SELECT 1 FROM collected_job WHERE job_id = ?)", Boolean.class, jobId));
    }

    /** Which of these job ids were collected already. */
    public Set<String> collectedAmong(List<String> jobIds) {
        if (jobIds.isEmpty()) {
            return Set.of();
        }
        String[] ids = jobIds.toArray(String[]::new);
        return new HashSet<>(jdbc.query(con -> {
            var ps = con.prepareStatement("SELECT job_id FROM collected_job WHERE job_id = ANY(?)");
            ps.setArray(1, con.createArrayOf("text", ids));
            return ps;
        }, (rs, i) -> rs.getString(1)));
    }
}
