package io.aof.collation.triage;

import io.aof.collation.CollationProperties;
import io.aof.collation.poll.RecipeCursorRepository;
import io.aof.common.events.JobFailed;
import io.aof.common.messaging.AofProperties;
import io.aof.common.workato.WorkatoApiException;
import io.aof.common.workato.WorkatoClient;
import io.aof.common.workato.WorkatoJob;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;
import org.springframework.transaction.annotation.Propagation;
import org.springframework.transaction.annotation.Transactional;

import java.util.List;
import java.util.Map;

/**
 * Decides what a failed job read from Workato becomes, the same way whether a
 * poll or a (verified) webhook found it:
 * <ul>
 *   <li>a test job ({@code is_test}, which only the job detail carries) is never
 *   published: remembered and counted;</li>
 *   <li>a called job (a recipe function's job: {@code root_job_id} or
 *   {@code calling_job_id} names another job) is never its own retryable incident:
 *   when its workflow root failed, the root's failure is collected and the child
 *   is linked to the root's incident (repeating the root runs the child again);
 *   when the root finished without failing (or Workato has no such job) it is
 *   published {@link JobFailed#notRepeatable not repeatable}; while the root is
 *   still running it is kept for later ({@link RootStillRunning});</li>
 *   <li>anything else is published.</li>
 * </ul>
 * The reads it needs throw {@link WorkatoApiException} when Workato cannot answer
 * now: the caller keeps the job for later instead of guessing.
 */
@Component
public class FailureTriage implements org.springframework.beans.factory.DisposableBean {

    private static final Logger log = LoggerFactory.getLogger(FailureTriage.class);

    private final WorkatoClient workato;
    private final FailureCollector collector;
    private final RecipeCursorRepository cursors;
    private final String workspace;

    private final java.time.Duration rootWait;
    private final java.time.Clock clock;
    /** The threads job details are read on, {@code read-concurrency} at once (none when it is 1: the caller's). */
    private final java.util.concurrent.ExecutorService readers;

    public FailureTriage(WorkatoClient workato, FailureCollector collector, RecipeCursorRepository cursors,
            AofProperties aof,
                  CollationProperties props, java.time.Clock clock) {
        this.clock = clock;
        this.rootWait = props.calledRootMaxWait();
        this.workato = workato;
        this.collector = collector;
        this.cursors = cursors;
        this.workspace = aof.workspace();
        int width = props.readConcurrency();
        this.readers = width <= 1 ? null : java.util.concurrent.Executors.newFixedThreadPool(width, r -> {
            Thread t = new Thread(r, "collation-read");
            t.setDaemon(true);
            return t;
        });
    }

    @Override
    public void destroy() {
        if (readers != null) {
            readers.shutdownNow();
        }
    }

    /**
     * What each task answers, in the tasks' order, {@code read-concurrency} of them in flight at once: Workato answers
     * a read in tens to hundreds of milliseconds, so one after another reach a few a second. A task that throws
     * answers its {@link WorkatoApiException}; any other exception is thrown here.
     */
    public List<Object> readAll(List<java.util.function.Supplier<?>> tasks) {
        java.util.function.Function<java.util.function.Supplier<?>, Object> run = task -> {
            try {
                return task.get();
            } catch (WorkatoApiException e) {
                return e;
            }
        };
        if (tasks.size() <= 1 || readers == null) {
            return tasks.stream().map(run).toList();
        }
        List<java.util.concurrent.Future<Object>> reading = new java.util.ArrayList<>(tasks.size());
        for (var task : tasks) {
            reading.add(readers.submit(() -> run.apply(task)));
        }
        List<Object> answers = new java.util.ArrayList<>(tasks.size());
        try {
            for (var f : reading) {
                answers.add(f.get());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while reading from Workato", e);
        } catch (java.util.concurrent.ExecutionException e) {
            throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
        } finally {
            reading.forEach(f -> f.cancel(true));   // after a failure: the reads not started are not made
        }
        return answers;
    }

    /**
     * Reads ahead, {@code read-concurrency} at a time, the details {@link #withDetail} would read one after another for
     * these failed jobs of {@code recipeId}, into {@code reads} (where withDetail finds them); returns how many
     * reads it spent. A read that fails is recorded as failed: withDetail decides with what Workato answered, as
     * if it had read it then (a transient failure pauses the sweep there), without reading it again.
     */
    public int readAhead(long recipeId, List<WorkatoJob> jobs, Reads reads) {
        if (jobs.size() <= 1 || readers == null) {
            return 0;   // nothing to overlap: withDetail reads it
        }
        List<java.util.function.Supplier<?>> tasks = jobs.stream().<java.util.function.Supplier<?>>map(job -> () ->
                workato.getJob(recipeId, job.handle() != null ? job.handle() : job.id())).toList();
        List<Object> answers = readAll(tasks);
        for (int i = 0; i < answers.size(); i++) {
            String key = recipeId + "/" + jobs.get(i).id();
            if (answers.get(i) instanceof WorkatoJob detail && detail.id() != null
                    && !WorkatoJob.PENDING.equals(detail.status())) {
                reads.jobs.put(key, detail);
            } else {
                reads.readAheadFailed.put(key, answers.get(i) instanceof WorkatoApiException e ? e : null);
            }
        }
        return tasks.size();
    }

    /** What to do with one failed job. */
    public sealed interface Plan {
        JobFailed failure();
    }

    record Publish(JobFailed failure) implements Plan {
    }

    record TestJob(JobFailed failure) implements Plan {
    }

    record Link(JobFailed failure, JobFailed root) implements Plan {
    }

    /**
     * What one poll sweep (or one verification run) has read from Workato: job
     * details by recipe and job (a workflow root read as its own recipe's failed
     * job is not read again for its called jobs, nor a root read for one child for
     * the next), and the names of the recipes it knows.
     */
    public static final class Reads {
        private final Map<String, WorkatoJob> jobs = new java.util.HashMap<>();
        /**
         * Jobs read ahead whose detail did not come, by recipe and job: what Workato answered (null: a detail
         * without an id). {@link #withDetail} decides with it instead of reading again, and the read is not
         * charged to the recipe's cap twice.
         */
        private final Map<String, WorkatoApiException> readAheadFailed = new java.util.HashMap<>();
        private final java.util.function.Function<Long, String> recipeNames;

        public Reads(java.util.function.Function<Long, String> recipeNames) {
            this.recipeNames = recipeNames;
        }

        /** A finished job read in this run, if it was. */
        WorkatoJob finished(long recipeId, String jobId) {
            WorkatoJob job = jobs.get(recipeId + "/" + jobId);
            return job != null && !WorkatoJob.PENDING.equals(job.status()) ? job : null;
        }
    }

    /** Reads for a run that knows no recipes: their names come from the recipes the poll has seen. */
    public Reads reads() {
        Map<Long, String> names = new java.util.HashMap<>();
        return new Reads(id -> names.computeIfAbsent(id, this::recipeName));
    }

    /**
     * The job with its detail when the list item does not say whether it is a
     * test job (the detail also names the failed step's error type and HTTP code).
     * A repeat needs no test check (its master's incident decides): its detail is
     * read only for the error type, and only if the budget allows.
     *
     * @throws WorkatoApiException when the detail is needed and Workato cannot answer now
     */
    public WorkatoJob withDetail(long recipeId, WorkatoJob job, Reads reads) {
        boolean needTest = job.isTest() == null && !isRepeat(job);
        WorkatoJob known = reads.finished(recipeId, job.id());
        if (known != null) {
            return known;   // read already in this run (as another job's workflow root)
        }
        String key = recipeId + "/" + job.id();
        if (reads.readAheadFailed.containsKey(key)) {
            WorkatoApiException e = reads.readAheadFailed.get(key);
            if (e != null && needTest && isTransient(e)) {
                throw e;   // as if read now: the sweep pauses here and reads it again next time
            }
            return job;
        }
        if (!needsDetail(job, reads, recipeId)) {
            return job;
        }
        try {
            WorkatoJob detail = workato.getJob(recipeId, job.handle() != null ? job.handle() : job.id());
            if (detail.id() == null) {
                return job;
            }
            reads.jobs.put(recipeId + "/" + detail.id(), detail);
            return detail;
        } catch (WorkatoApiException e) {
            if (needTest && isTransient(e)) {
                throw e;
            }
            log.debug("No detail for job {}: {}", job.id(), e.getMessage());
            return job;
        }
    }

    /** A failed job seen again after it was collected: counted, nothing read or published. */
    public void countDuplicate(JobFailed.CollectionSource source) {
        collector.countDuplicate(source);
    }

    /** Whether {@link #withDetail} spends a read on this job of {@code recipeId}. */
    public boolean needsDetail(WorkatoJob job, Reads reads, long recipeId) {
        return ((job.isTest() == null && !isRepeat(job)) || job.errorTypeId() == null)
                && reads.finished(recipeId, job.id()) == null
                && !reads.readAheadFailed.containsKey(recipeId + "/" + job.id());
    }

    /**
     * The plan for {@code failure}, whose job Workato answered as {@code job}.
     * {@code reads} holds the jobs read in this run (many children, one root).
     *
     * @throws WorkatoApiException when a called job's root cannot be read now
     */
    public Plan plan(JobFailed failure, WorkatoJob job, Reads reads) {
        Map<String, WorkatoJob> roots = reads.jobs;
        if (job.isTestJob()) {
            return new TestJob(failure);
        }
        if (!job.isCalled()) {
            return new Publish(failure);
        }
        String rootJobId = job.workflowRootJobId();
        Long rootRecipeId = job.workflowRootRecipeId();
        if (rootRecipeId == null) {
            return new Publish(failure.notRepeatable("called by job " + rootJobId + " of a recipe Workato did not "
                    + "name: repeating it alone would run it outside its workflow"));
        }
        WorkatoJob root;
        String key = rootRecipeId + "/" + rootJobId;
        if (roots.containsKey(key)) {
            root = roots.get(key);
        } else {
            try {
                root = workato.getJob(rootRecipeId, rootJobId);
            } catch (WorkatoApiException e) {
                if (isTransient(e)) {
                    throw e;
                }
                root = null;   // not found (or unreadable): it did not fail as far as Workato says
            }
            roots.put(key, root);
        }
        if (root != null && WorkatoJob.PENDING.equals(root.status())) {
            java.time.Instant ended = job.completedAt() != null ? job.completedAt() : job.startedAt();
            if (ended == null || ended.isAfter(clock.instant().minus(rootWait))) {
                // not finished: whether it fails (and covers the child) is not known yet; guessing "did not fail"
                // would publish the child on its own and make the root's later failure a second incident
                throw new RootStillRunning(job.id(), rootRecipeId, rootJobId);
            }
            // a root stuck for longer than any job runs: the child is not held (nor its recipe's collection) forever
            return new Publish(failure.notRepeatable("a called job: its workflow root, job " + rootJobId
                    + " of recipe " + rootRecipeId + ", was still running " + rootWait + " after it, and repeating "
                    + "the called job alone would run it outside its workflow"));
        }
        if (root != null && root.isTestJob()) {
            return new TestJob(failure);
        }
        if (root != null && root.isFailed()) {
            JobFailed rootFailure = JobFailed.of(workspace, rootRecipeId, reads.recipeNames.apply(rootRecipeId), null, root.id(),
                    root.masterJobId(), root.error() != null ? root.error() : "failed (its called job "
                            + job.id() + " failed: " + failure.error() + ")",
                    root.errorTypeId(), root.httpStatus(), root.startedAt(), root.completedAt(), failure.source(),
                    failure.webhookSource()).withJobDetail(root);
            if (rootFailure.upstream() == null) {
                rootFailure = rootFailure.withUpstream(failure.upstream());   // its step failed calling the child
            }
            return new Link(failure, rootFailure);
        }
        String rootState = root == null ? "was not found in Workato" : "is " + root.status();
        return new Publish(failure.notRepeatable("a called job: its workflow root, job " + rootJobId + " of recipe "
                + rootRecipeId + ", " + rootState + ", and repeating the called job alone would run it outside its "
                + "workflow"));
    }

    /**
     * A called job's workflow root is still running: the caller keeps the child
     * (the poll reads it again next sweep, a webhook failure stays pending) until
     * the root has finished, as when the root cannot be read.
     */
    public static final class RootStillRunning extends RuntimeException {
        RootStillRunning(String jobId, long rootRecipeId, String rootJobId) {
            super("job " + jobId + " was called by job " + rootJobId + " of recipe " + rootRecipeId
                    + ", which is still running", null, false, false);
        }
    }

    /** Applies a plan inside the caller's transaction; true when something new was recorded. */
    @Transactional(propagation = Propagation.MANDATORY)
    public boolean apply(Plan plan) {
        JobFailed f = plan.failure();
        if (plan instanceof TestJob) {
            boolean fresh = collector.skipTestJob(f);
            if (fresh) {
                log.info("Job {} of recipe {} is a test job: not published, never repeated", f.jobId(), f.recipeId());
            }
            return fresh;
        }
        if (plan instanceof Link l) {
            boolean fresh = collector.link(f, l.root());
            if (fresh) {
                log.info("Job {} of recipe {} was called by job {} of recipe {}, which failed too: linked to the "
                                + "root's incident {} (only the root is repeated)", f.jobId(), f.recipeId(),
                        l.root().jobId(), l.root().recipeId(), l.root().incidentId());
            }
            return fresh;
        }
        return collector.collect(f);
    }

    /** Publishes a failure that is not a called job, as it is, inside the caller's transaction. */
    @Transactional(propagation = Propagation.MANDATORY)
    public boolean publish(JobFailed failure) {
        return collector.collect(failure, false);
    }

    private String recipeName(long recipeId) {
        return cursors.recipeName(recipeId);
    }

    private static boolean isRepeat(WorkatoJob job) {
        return job.masterJobId() != null && !job.masterJobId().isBlank();
    }

    /**
     * Workato could not answer now (budget, breaker, outage, a refused token):
     * worth asking again later. Only a 404 (no such job in that recipe) and an
     * unreadable answer are taken as answers.
     */
    static boolean isTransient(WorkatoApiException e) {
        return !isNotFound(e) && e.kind() != WorkatoApiException.Kind.BAD_RESPONSE;
    }

    public static boolean isNotFound(WorkatoApiException e) {
        return e.kind() == WorkatoApiException.Kind.CLIENT_ERROR && e.status() == 404;
    }
}
