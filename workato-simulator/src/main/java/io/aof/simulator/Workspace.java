package io.aof.simulator;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Optional;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * The simulated Workato workspace: recipes, their jobs, and what a repeat does.
 * A job starts {@code pending} and ends after {@code jobDuration} as its
 * recipe's {@link Behaviour} says. A repeat creates a new job whose
 * {@code master_job_id} is the original job's id (a repeat of a repeat points at
 * the same original), exactly as Workato does. All state sits behind one lock.
 *
 * <p>Each recipe's action step uses a connector ({@code rest} unless told otherwise). While a connector's
 * outage lasts ({@link #startConnectorOutage}), every execution of every recipe using it that ends (an original
 * job or a repeat) fails with the connector's error ({@link Connectors#outageError}), whatever the recipe's
 * behaviour, even {@code HANGS}. Outage failures leave the recipe's script where it was: a {@code FAIL_TIMES}
 * recipe counts only the executions of a chain that end outside an outage, so with {@code failTimes = 1} the
 * first execution after the outage fails and the next one succeeds. An outage is decided when an execution
 * ends (when its action step talks to the connector), on this workspace's {@link Clock}.
 */
public class Workspace {

    private static final String ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

    private final Map<Long, SimRecipe> recipes = new TreeMap<>(Comparator.reverseOrder());
    private final Map<String, SimJob> jobsById = new LinkedHashMap<>();
    private final Map<String, Integer> repeatsByOriginalJob = new LinkedHashMap<>();
    private final Map<String, Integer> refusedRepeats = new LinkedHashMap<>();
    /** Connector to the end of its outage. */
    private final Map<String, Instant> connectorOutages = new TreeMap<>();
    /** Outage failures by chain and recipe ({@link #chainKey}): executions the script does not count. */
    private final Map<String, Integer> outageFailures = new LinkedHashMap<>();
    private final Clock clock;
    private final Random random;
    private final Duration jobDuration;
    private final ScheduledExecutorService completer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "sim-job-completer");
        t.setDaemon(true);
        return t;
    });
    private long nextRecipeId;
    private long nextFlowRunId = 5001;
    private long sequence;

    private final boolean repeatSucceeded;

    public Workspace(Duration jobDuration, long seed, long firstRecipeId) {
        this(jobDuration, seed, firstRecipeId, false);
    }

    /** @param repeatSucceeded whether a succeeded job may be repeated (undocumented at Workato; default refuses) */
    public Workspace(Duration jobDuration, long seed, long firstRecipeId, boolean repeatSucceeded) {
        this(jobDuration, seed, firstRecipeId, repeatSucceeded, Clock.systemUTC());
    }

    /**
     * @param clock the workspace's time: job times and connector outages (a test moves it to end an outage);
     *              how long a job runs ({@code jobDuration}) is real time
     */
    public Workspace(Duration jobDuration, long seed, long firstRecipeId, boolean repeatSucceeded, Clock clock) {
        this.clock = clock;
        this.jobDuration = jobDuration;
        this.nextRecipeId = firstRecipeId;
        this.random = new Random(seed);
        this.repeatSucceeded = repeatSucceeded;
    }

    /**
     * Makes every job of {@code recipeId} call {@code calledRecipeId} (a recipe
     * function) synchronously: the called job carries {@code calling_job_id} and
     * the caller as {@code root_job_id}. With {@code failsWithCalled}, a caller
     * whose called job failed fails too (its call step fails), as by default in
     * Workato; otherwise it handles the error and ends as its own behaviour says.
     */
    public synchronized void setCalls(long recipeId, long calledRecipeId, boolean failsWithCalled) {
        recipe(calledRecipeId);
        SimRecipe r = recipe(recipeId);
        r.calls = calledRecipeId;
        r.failsWithCalled = failsWithCalled;
    }

    public synchronized Map<String, Object> addRecipe(String name, Long folderId, Behaviour behaviour) {
        return addRecipe(name, folderId, behaviour, null);
    }

    /**
     * @param connector the connector of the recipe's action step (lower-case letters, digits, underscores;
     *                  null: {@code rest})
     */
    public synchronized Map<String, Object> addRecipe(String name, Long folderId, Behaviour behaviour,
                                                      String connector) {
        String checked = Connectors.validate(connector);
        SimRecipe r = new SimRecipe(nextRecipeId++, name, folderId, checked, behaviour.withDefaults(),
                clock.instant());
        recipes.put(r.id, r);
        return r.toJson();
    }

    /**
     * Starts an outage of {@code connector} for {@code seconds} (1 to 86400) from now, or moves the end of the
     * one under way; returns {@code connector}, {@code seconds} and {@code until}.
     */
    public synchronized Map<String, Object> startConnectorOutage(String connector, long seconds) {
        String checked = Connectors.validate(connector == null ? "" : connector);
        if (seconds < 1 || seconds > 86_400) {
            throw new IllegalArgumentException("seconds must be between 1 and 86400, got " + seconds);
        }
        Instant until = clock.instant().plusSeconds(seconds);
        connectorOutages.put(checked, until);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("connector", checked);
        m.put("seconds", seconds);
        m.put("until", until.toString());
        return m;
    }

    /** Ends the outage of {@code connector}; whether one was under way. */
    public synchronized boolean endConnectorOutage(String connector) {
        String checked = Connectors.validate(connector == null ? "" : connector);
        Instant until = connectorOutages.remove(checked);
        return until != null && clock.instant().isBefore(until);
    }

    /** The outages under way, by connector name: {@code connector}, {@code until}, {@code seconds_left}. */
    public synchronized List<Map<String, Object>> connectorOutages() {
        Instant now = clock.instant();
        connectorOutages.values().removeIf(until -> !now.isBefore(until));
        List<Map<String, Object>> list = new ArrayList<>();
        connectorOutages.forEach((connector, until) -> {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("connector", connector);
            m.put("until", until.toString());
            m.put("seconds_left", (Duration.between(now, until).toMillis() + 999) / 1000);
            list.add(m);
        });
        return list;
    }

    public synchronized void setBehaviour(long recipeId, Behaviour behaviour) {
        recipe(recipeId).behaviour = behaviour.withDefaults();
    }

    /**
     * Ends the recipe's pending jobs now, with its current behaviour (after
     * {@link #setBehaviour} away from {@code HANGS}: a long job that finally ends).
     */
    public synchronized void completePending(long recipeId) {
        for (SimJob job : List.copyOf(recipe(recipeId).jobs)) {
            if ("pending".equals(job.status)) {
                complete(job);
            }
        }
    }

    /** Stops a recipe as Workato does after too many trigger errors. */
    public synchronized void stopByWorkato(long recipeId, String stopCause) {
        SimRecipe r = recipe(recipeId);
        r.running = false;
        r.stopCause = stopCause;
        r.stoppedAt = clock.instant();
    }

    /** Runs {@code count} new jobs of the recipe, as if its trigger fired; returns their ids. */
    public synchronized List<String> trigger(long recipeId, int count) {
        return trigger(recipeId, count, false);
    }

    /** Like {@link #trigger(long, int)}; {@code test} runs them as test jobs ({@code is_test}), as from the editor. */
    public synchronized List<String> trigger(long recipeId, int count, boolean test) {
        SimRecipe r = recipe(recipeId);
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            SimJob job = newJob(r, "Event " + nextFlowRunId, null, 1, test);
            ids.add(job.id);
        }
        return ids;
    }

    public synchronized List<Map<String, Object>> listRecipes(int page, int perPage, Long folderId) {
        return recipes.values().stream()
                .filter(r -> folderId == null || folderId.equals(r.folderId))
                .skip((long) Math.max(0, page - 1) * perPage).limit(perPage)
                .map(SimRecipe::toJson).toList();
    }

    public synchronized Map<String, Object> getRecipe(long recipeId) {
        return recipe(recipeId).toJson();
    }

    /**
     * {@code GET /recipes/:id/jobs}: newest first; {@code offsetJobId} with
     * {@code prev=false} gives the jobs older than it, {@code prev=true} newer ones.
     */
    public synchronized Map<String, Object> listJobs(long recipeId, String status, String offsetJobId, boolean prev,
                                                     boolean rerunOnly, int perPage) {
        SimRecipe r = recipe(recipeId);
        Predicate<SimJob> filter = j -> (status == null || status.equals(j.status)) && (!rerunOnly || j.isRepeat());
        long cursor = Long.MIN_VALUE;
        if (offsetJobId != null) {
            SimJob c = jobsById.get(offsetJobId);
            if (c == null || c.recipeId != recipeId) {
                throw new NoSuchElementException("job " + offsetJobId + " not found in recipe " + recipeId);
            }
            cursor = c.sequence;
        }
        final long cur = cursor;
        List<SimJob> selected = r.jobs.stream()
                .filter(filter)
                .filter(j -> offsetJobId == null || (prev ? j.sequence > cur : j.sequence < cur))
                .toList();
        if (prev && selected.size() > perPage) {
            selected = selected.subList(selected.size() - perPage, selected.size());
        } else if (selected.size() > perPage) {
            selected = selected.subList(0, perPage);
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("job_succeeded_count", r.succeeded);
        m.put("job_failed_count", r.failed);
        m.put("job_count", r.jobs.size());
        m.put("items", selected.stream().map(SimJob::toListItem).toList());
        return m;
    }

    public synchronized Map<String, Object> getJob(long recipeId, String handle) {
        SimJob j = jobsById.get(handle);
        if (j == null || j.recipeId != recipeId) {
            throw new NoSuchElementException("job " + handle + " not found in recipe " + recipeId);
        }
        return j.toDetail();
    }

    /** {@code POST /recipes/:id/repeat_jobs}: one result per id, "enqueued" or "failed". */
    public synchronized List<Map<String, Object>> repeat(long recipeId, List<String> jobIds) {
        SimRecipe r = recipe(recipeId);
        List<Map<String, Object>> results = new ArrayList<>();
        for (String id : jobIds) {
            Map<String, Object> result = new LinkedHashMap<>();
            result.put("job_id", id);
            SimJob job = jobsById.get(id);
            if (job == null || job.recipeId != recipeId) {
                result.put("status", "failed");
                result.put("error", "Job not found");
            } else if ("pending".equals(job.status)) {
                result.put("status", "failed");
                result.put("error", "Job is still running");
            } else if ("succeeded".equals(job.status) && !repeatSucceeded) {
                result.put("status", "failed");
                result.put("error", "Job succeeded: only failed jobs are repeated (simulator setting "
                        + "sim.repeat-succeeded=false)");
                refusedRepeats.merge(id, 1, Integer::sum);
            } else {
                String original = job.masterJobId != null ? job.masterJobId : job.id;
                int execution = chainLength(original) + 1;
                newJob(r, job.title, original, execution, job.test);
                repeatsByOriginalJob.merge(original, 1, Integer::sum);
                result.put("status", "enqueued");
            }
            results.add(result);
        }
        return results;
    }

    /** Repeats refused because the job had succeeded, by job id. */
    public synchronized Map<String, Integer> refusedRepeats() {
        return new LinkedHashMap<>(refusedRepeats);
    }

    /** How many repeats of each original job were created: a doubled repeat shows here. */
    public synchronized Map<String, Integer> repeatsByOriginalJob() {
        return new LinkedHashMap<>(repeatsByOriginalJob);
    }

    public synchronized Optional<Map<String, Object>> job(String jobId) {
        return Optional.ofNullable(jobsById.get(jobId)).map(SimJob::toDetail);
    }

    /**
     * Every job of the workspace in creation order, in a compact form for proofs: id, recipe, status, master,
     * test, the job that called it and its workflow root, execution number, connector, and whether it failed
     * because its connector was down.
     */
    public synchronized List<Map<String, Object>> allJobs(long fromSequence) {
        List<Map<String, Object>> all = new ArrayList<>();
        for (SimJob j : jobsById.values()) {
            if (j.sequence < fromSequence) {
                continue;
            }
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("seq", j.sequence);
            m.put("id", j.id);
            m.put("recipe_id", j.recipeId);
            m.put("status", j.status);
            m.put("master_job_id", j.masterJobId);
            m.put("is_test", j.test);
            m.put("calling_job_id", j.callingJobId);
            m.put("root_job_id", j.rootJobId);
            m.put("execution", j.execution);
            m.put("started_at", j.startedAt.toEpochMilli());
            m.put("connector", j.connector);
            m.put("outage_failure", j.outageFailure);
            all.add(m);
        }
        return all;
    }

    public synchronized int recipeCount() {
        return recipes.size();
    }

    private int chainLength(String original) {
        return 1 + repeatsByOriginalJob.getOrDefault(original, 0);
    }

    private SimJob newJob(SimRecipe r, String title, String masterJobId, int execution, boolean test) {
        SimJob job = new SimJob(newJobId(), r.id, nextFlowRunId++, title, masterJobId, execution, ++sequence,
                clock.instant());
        job.test = test;
        job.connector = r.connector;
        SimJob master = masterJobId == null ? null : jobsById.get(masterJobId);
        job.chain = master != null ? master.chain : job.id;
        r.jobs.add(0, job);
        jobsById.put(job.id, job);
        if (r.calls != null) {
            // a recipe function call: the called job runs inside this one, in the same workflow
            job.rootJobId = job.id;
            job.rootRecipeId = r.id;
            SimRecipe called = recipe(r.calls);
            SimJob child = new SimJob(newJobId(), called.id, nextFlowRunId++, "Called by " + job.id, null, execution,
                    ++sequence, clock.instant());
            child.test = test;
            child.connector = called.connector;
            child.chain = job.chain;
            child.callingJobId = job.id;
            child.callingRecipeId = r.id;
            child.rootJobId = job.id;
            child.rootRecipeId = r.id;
            called.jobs.add(0, child);
            jobsById.put(child.id, child);
            job.calledJobId = child.id;
            completer.schedule(() -> complete(child), jobDuration.toMillis(), TimeUnit.MILLISECONDS);
            completer.schedule(() -> complete(job), 2 * jobDuration.toMillis(), TimeUnit.MILLISECONDS);
        } else {
            completer.schedule(() -> complete(job), jobDuration.toMillis(), TimeUnit.MILLISECONDS);
        }
        return job;
    }

    private synchronized void complete(SimJob job) {
        if (!"pending".equals(job.status)) {
            return;   // ended already (completePending came first)
        }
        SimRecipe r = recipes.get(job.recipeId);
        Behaviour b = r.behaviour;
        Instant now = clock.instant();
        boolean connectorDown = outageUnderWay(job.connector, now);
        if (b.kind() == Behaviour.Kind.HANGS && !connectorDown) {
            return;   // stays pending
        }
        SimJob called = job.calledJobId == null ? null : jobsById.get(job.calledJobId);
        if (called != null && "pending".equals(called.status)) {
            completer.schedule(() -> complete(job), jobDuration.toMillis(), TimeUnit.MILLISECONDS);
            return;   // a synchronous call: the caller waits for it
        }
        job.completedAt = now;
        r.lastRunAt = job.completedAt;
        // the script counts the chain's executions that ended outside an outage
        int scripted = Math.max(1, job.execution - outageFailures.getOrDefault(chainKey(job), 0));
        if (connectorDown) {
            Connectors.OutageError e = Connectors.outageError(job.connector);
            job.status = "failed";
            job.error = e.error();
            job.errorTypeId = e.errorTypeId();
            job.httpCode = e.httpCode();
            job.outageFailure = true;
            outageFailures.merge(chainKey(job), 1, Integer::sum);
            r.failed++;
        } else if (called != null && "failed".equals(called.status) && r.failsWithCalled) {
            job.status = "failed";
            job.error = "Error in called recipe " + called.recipeId + ": " + called.error;
            job.errorTypeId = called.errorTypeId;
            job.httpCode = called.httpCode;
            r.failed++;
        } else if (b.fails(scripted, random)) {
            job.status = "failed";
            job.error = b.errorText();
            job.errorTypeId = b.errorTypeId();
            job.httpCode = b.httpCode();
            r.failed++;
        } else {
            job.status = "succeeded";
            r.succeeded++;
        }
    }

    private boolean outageUnderWay(String connector, Instant now) {
        Instant until = connectorOutages.get(connector);
        return until != null && now.isBefore(until);
    }

    private static String chainKey(SimJob job) {
        return job.chain + "/" + job.recipeId;
    }

    private SimRecipe recipe(long id) {
        SimRecipe r = recipes.get(id);
        if (r == null) {
            throw new NoSuchElementException("recipe " + id + " not found");
        }
        return r;
    }

    private String newJobId() {
        StringBuilder sb = new StringBuilder("j-");
        for (int i = 0; i < 8; i++) {
            sb.append(ALPHABET.charAt(random.nextInt(ALPHABET.length())));
        }
        sb.append('-');
        for (int i = 0; i < 6; i++) {
            sb.append(ALPHABET.charAt(random.nextInt(ALPHABET.length())));
        }
        return sb.toString();
    }
}
