package io.aof.collation;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import tools.jackson.databind.json.JsonMapper;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A stand-in for the part of Workato's API collation reads, over real HTTP (so
 * the real {@code WorkatoClient} parses real JSON), whose jobs carry the times a
 * test gives them instead of running on the wall clock:
 * {@code GET /recipes} (with each recipe's {@code job_failed_count}),
 * {@code GET /recipes/:id/jobs} (newest first, {@code status},
 * {@code offset_job_id} with {@code prev=false} for older jobs, {@link #pageSize}
 * items a page) and {@code GET /recipes/:id/jobs/:handle} (the detail, which
 * alone says {@code is_test}, as documented). Every call is logged in
 * {@link #calls()}; {@link #down(int)} makes every call answer that status;
 * {@link #onGetJob} runs while a job detail is being read (a slow read, another
 * instance acting meanwhile).
 */
public final class FakeWorkato implements AutoCloseable {

    private static final Pattern JOBS = Pattern.compile("/api/recipes/(\\d+)/jobs");
    private static final Pattern JOB = Pattern.compile("/api/recipes/(\\d+)/jobs/([^/?]+)");
    private static final JsonMapper JSON = JsonMapper.builder().build();

    /** A recipe; {@code failedCount} overrides the count of its failed jobs when not null. */
    public record Recipe(long id, String name, boolean running, String stopCause, Instant stoppedAt, Long failedCount) {
    }

    /** A job; {@code rootJobId}/{@code rootRecipeId} make it a called job of that workflow root. */
    public record Job(String id, long recipeId, String status, Instant startedAt, Instant completedAt, String error,
               String masterJobId, boolean test, String rootJobId, Long rootRecipeId) {

        Job withStatus(String newStatus) {
            return new Job(id, recipeId, newStatus, startedAt, completedAt, error, masterJobId, test, rootJobId,
                    rootRecipeId);
        }
    }

    private final HttpServer server;
    private final ExecutorService threads = Executors.newCachedThreadPool();
    private final List<Recipe> recipes = new ArrayList<>();
    /** All jobs, newest first. */
    private final List<Job> jobs = new ArrayList<>();
    private final List<String> calls = new ArrayList<>();
    private volatile int downStatus;
    /** Items on one page of a job listing. */
    public volatile int pageSize = 100;
    /** Each next page of a listing starts with the job it was asked to list below (a shifted page). */
    public volatile boolean repeatOffsetJob;
    /** Job listings answered before those answered {@link #failListingsStatus}. */
    private int listingsBeforeFailing = -1;
    private int failListingsStatus;
    /** Runs while a job detail is read, before it is answered (on the server's thread). */
    public volatile Runnable onGetJob = () -> { };
    /** Jobs whose detail is answered 503 at once (onGetJob does not run), as if Workato could not answer now. */
    public volatile java.util.Set<String> unanswered = java.util.Set.of();
    /** Jobs whose detail is answered 404 at once (they are still listed). */
    public volatile java.util.Set<String> detailNotFound = java.util.Set.of();

    public FakeWorkato() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.setExecutor(threads);
        server.createContext("/api", this::answer);
        server.start();
    }

    String baseUrl() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/api";
    }

    @Override
    public void close() {
        server.stop(0);
        threads.shutdownNow();
    }

    /** Adds or replaces a recipe (replaced in place: the listing keeps its order). */
    public synchronized void recipe(Recipe recipe) {
        for (int i = 0; i < recipes.size(); i++) {
            if (recipes.get(i).id() == recipe.id()) {
                recipes.set(i, recipe);
                return;
            }
        }
        recipes.add(recipe);
    }

    /** A running recipe whose failed count is that of its failed jobs here. */
    public void recipe(long id) {
        recipe(new Recipe(id, "Recipe " + id, true, null, null, null));
    }

    /** A job newer than every other. */
    public synchronized void job(Job job) {
        jobs.add(0, job);
    }

    /** A job listed just below (older than) {@code existing}. */
    public synchronized void jobOlderThan(String existing, Job job) {
        for (int i = 0; i < jobs.size(); i++) {
            if (jobs.get(i).id().equals(existing)) {
                jobs.add(i + 1, job);
                return;
            }
        }
        throw new IllegalArgumentException("no job " + existing);
    }

    /** After {@code answered} more job listings, every job listing is answered {@code status} (0: never). */
    public synchronized void failJobListingsAfter(int answered, int status) {
        listingsBeforeFailing = status == 0 ? -1 : answered;
        failListingsStatus = status;
    }

    /** A failed job of {@code recipe} that ended at {@code completedAt}, newer than every other job. */
    public void failed(long recipe, String id, Instant completedAt) {
        job(new Job(id, recipe, "failed", completedAt.minusSeconds(1), completedAt, "500 boom", null, false, null,
                null));
    }

    /** A job already listed is now {@code status} (in place: its position in the listing stays). */
    public synchronized void setStatus(String jobId, String status) {
        jobs.replaceAll(j -> j.id().equals(jobId) ? j.withStatus(status) : j);
    }

    /** Every call answered from now on is {@code status} (0: normal answers again). */
    public void down(int status) {
        downStatus = status;
    }

    /** The calls made so far, e.g. {@code list_recipes}, {@code list_jobs 7 after j-3}, {@code get_job 7 j-2}. */
    synchronized List<String> calls() {
        return List.copyOf(calls);
    }

    /** The calls made from index {@code from} on. */
    public synchronized List<String> callsSince(int from) {
        return List.copyOf(calls.subList(from, calls.size()));
    }

    public synchronized int callCount() {
        return calls.size();
    }

    private void answer(HttpExchange ex) throws IOException {
        String path = ex.getRequestURI().getPath();
        Map<String, String> query = query(ex.getRequestURI().getRawQuery());
        Matcher m;
        String call;
        if ((m = JOB.matcher(path)).matches()) {
            call = "get_job " + m.group(1) + " " + m.group(2);
        } else if ((m = JOBS.matcher(path)).matches()) {
            call = "list_jobs " + m.group(1) + (query.get("offset_job_id") == null ? ""
                    : " after " + query.get("offset_job_id"));
        } else {
            call = "list_recipes";
        }
        synchronized (this) {
            calls.add(call);
        }
        if (downStatus != 0) {
            send(ex, downStatus, Map.of("message", "down"));
            return;
        }
        if (!JOB.matcher(path).matches() && JOBS.matcher(path).matches() && listingFails()) {
            send(ex, failListingsStatus, Map.of("message", "failing"));
            return;
        }
        if ((m = JOB.matcher(path)).matches()) {
            if (unanswered.contains(m.group(2))) {   // at once, before onGetJob
                send(ex, 503, Map.of("message", "unavailable"));
                return;
            }
            if (detailNotFound.contains(m.group(2))) {
                send(ex, 404, Map.of("message", "not found"));
                return;
            }
            onGetJob.run();   // outside the lock: what it does may read Workato too
            Job job = find(Long.parseLong(m.group(1)), m.group(2));
            if (job == null) {
                send(ex, 404, Map.of("message", "not found"));
            } else {
                send(ex, 200, detail(job));
            }
        } else if ((m = JOBS.matcher(path)).matches()) {
            Map<String, Object> page = listJobs(Long.parseLong(m.group(1)), query);
            send(ex, page == null ? 404 : 200, page == null ? Map.of("message", "not found") : page);
        } else if (path.equals("/api/recipes")) {
            send(ex, 200, listRecipes(query));
        } else {
            send(ex, 404, Map.of("message", "no such endpoint"));
        }
    }

    private synchronized boolean listingFails() {
        if (listingsBeforeFailing < 0) {
            return false;
        }
        if (listingsBeforeFailing > 0) {
            listingsBeforeFailing--;
            return false;
        }
        return true;
    }

    private synchronized Job find(long recipe, String id) {
        return jobs.stream().filter(j -> j.recipeId() == recipe && j.id().equals(id)).findFirst().orElse(null);
    }

    private synchronized Map<String, Object> listRecipes(Map<String, String> query) {
        int page = Integer.parseInt(query.getOrDefault("page", "1"));
        int perPage = Integer.parseInt(query.getOrDefault("per_page", "100"));
        List<Map<String, Object>> items = new ArrayList<>();
        for (int i = (page - 1) * perPage; i < Math.min(recipes.size(), page * perPage); i++) {
            Recipe r = recipes.get(i);
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("id", r.id());
            m.put("name", r.name());
            m.put("folder_id", null);
            m.put("running", r.running());
            m.put("job_succeeded_count", 0);
            m.put("job_failed_count", failedCount(r));
            m.put("stopped_at", r.stoppedAt() == null ? null : r.stoppedAt().toString());
            m.put("stop_cause", r.stopCause());
            items.add(m);
        }
        return Map.of("items", items);
    }

    private long failedCount(Recipe r) {
        return r.failedCount() != null ? r.failedCount()
                : jobs.stream().filter(j -> j.recipeId() == r.id() && "failed".equals(j.status())).count();
    }

    /** Null when the offset job is not in the recipe (Workato answers 404). */
    private synchronized Map<String, Object> listJobs(long recipe, Map<String, String> query) {
        String status = query.get("status");
        String offset = query.get("offset_job_id");
        List<Job> ofRecipe = jobs.stream().filter(j -> j.recipeId() == recipe).toList();
        int start = 0;
        if (offset != null) {
            start = -1;
            for (int i = 0; i < ofRecipe.size(); i++) {
                if (ofRecipe.get(i).id().equals(offset)) {
                    start = repeatOffsetJob ? i : i + 1;   // prev=false: the jobs older than the offset
                }
            }
            if (start < 0) {
                return null;
            }
        }
        List<Map<String, Object>> items = new ArrayList<>();
        for (Job j : ofRecipe.subList(start, ofRecipe.size())) {
            if ((status == null || status.equals(j.status())) && items.size() < pageSize) {
                items.add(listItem(j));
            }
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("job_succeeded_count", ofRecipe.stream().filter(j -> "succeeded".equals(j.status())).count());
        Recipe r = recipes.stream().filter(x -> x.id() == recipe).findFirst().orElse(null);
        m.put("job_failed_count", r == null ? 0 : failedCount(r));
        m.put("job_count", ofRecipe.size());
        m.put("items", items);
        return m;
    }

    /** A list item: no {@code is_test} (only the detail says it). */
    private static Map<String, Object> listItem(Job j) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", j.id());
        m.put("handle", j.id());
        m.put("recipe_id", j.recipeId());
        m.put("status", j.status());
        m.put("started_at", j.startedAt() == null ? null : j.startedAt().toString());
        m.put("completed_at", j.completedAt() == null ? null : j.completedAt().toString());
        m.put("is_error", "failed".equals(j.status()));
        m.put("error", "failed".equals(j.status()) ? j.error() : null);
        m.put("master_job_id", j.masterJobId());
        m.put("is_repeat", j.masterJobId() != null);
        m.put("root_job_id", j.rootJobId());
        m.put("root_recipe_id", j.rootRecipeId());
        if ("failed".equals(j.status())) {
            Map<String, Object> parts = new LinkedHashMap<>();
            parts.put("error_type", "http_error");
            parts.put("message", j.error());
            parts.put("error_id", j.id() + "-e");
            m.put("error_parts", parts);
        }
        return m;
    }

    /** The connector of a job's failed step, by job id (none: the detail has no {@code lines}). */
    private final Map<String, String> adapters = new java.util.concurrent.ConcurrentHashMap<>();

    /** The detail of job {@code jobId} names {@code adapterName} as its failed step's connector. */
    public void failedStep(String jobId, String adapterName) {
        adapters.put(jobId, adapterName);
    }

    private Map<String, Object> detail(Job j) {
        Map<String, Object> m = listItem(j);
        m.put("is_test", j.test());
        String adapter = adapters.get(j.id());
        if (adapter != null) {
            m.put("lines", List.of(Map.of("recipe_line_number", "0", "adapter_name", "workato_webhooks"),
                    Map.of("recipe_line_number", "1", "adapter_name", adapter, "adapter_operation", "upsert",
                            "error_descriptor", Map.of("error_type_id", "err.http.response.timeout",
                                    "message", String.valueOf(j.error())))));
        }
        return m;
    }

    private static Map<String, String> query(String raw) {
        Map<String, String> q = new LinkedHashMap<>();
        if (raw != null) {
            for (String pair : raw.split("&")) {
                int eq = pair.indexOf('=');
                if (eq > 0) {
                    q.put(pair.substring(0, eq), URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
                }
            }
        }
        return q;
    }

    private static void send(HttpExchange ex, int status, Object body) throws IOException {
        byte[] bytes = JSON.writeValueAsBytes(body);
        ex.getResponseHeaders().add("Content-Type", "application/json");
        ex.sendResponseHeaders(status, bytes.length);
        ex.getResponseBody().write(bytes);
        ex.close();
    }
}
