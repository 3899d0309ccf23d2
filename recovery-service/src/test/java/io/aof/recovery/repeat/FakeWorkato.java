package io.aof.recovery.repeat;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A stand-in for Workato's job API over real HTTP: {@code repeat_jobs} creates a
 * repeat job per id (master_job_id = the original, started now), the job list
 * shows them newest first, a job can be read by id. {@link #down(int)} makes
 * every call answer that status (503, or 429 with Retry-After).
 */
final class FakeWorkato implements AutoCloseable {

    private static final Pattern REPEAT = Pattern.compile("/api/recipes/(\\d+)/repeat_jobs");
    private static final Pattern JOBS = Pattern.compile("/api/recipes/(\\d+)/jobs");
    private static final Pattern JOB = Pattern.compile("/api/recipes/(\\d+)/jobs/([^/?]+)");
    private static final Pattern IDS = Pattern.compile("\"([^\"]+)\"");

    record Job(String id, long recipeId, String master, Instant startedAt, String status, String error) {
    }

    private final HttpServer server;
    private final List<Job> jobs = new ArrayList<>();
    private final AtomicInteger sequence = new AtomicInteger();
    /** Every repeat_jobs request that reached the fake, and the job ids Workato enqueued. */
    final List<List<String>> repeatCalls = new ArrayList<>();
    final List<String> enqueued = new ArrayList<>();
    /** Per original job: repeat_jobs answers "failed" with this error. */
    final Map<String, String> refuse = new ConcurrentHashMap<>();
    /** Per original job: the repeat job ends with this status ("succeeded", "failed") and error. */
    final Map<String, String[]> endsAs = new ConcurrentHashMap<>();
    private volatile int downStatus;
    /** Job listings answered ({@code GET /recipes/:id/jobs}). */
    final AtomicInteger listings = new AtomicInteger();
    /** Listings that started from the newest job (no {@code offset_job_id}): one per round of a reader. */
    final AtomicInteger firstPages = new AtomicInteger();
    /** Answer every listing from the newest job, ignoring {@code offset_job_id} (a proxy or API that drops it). */
    volatile boolean ignoreOffset;
    /** repeat_jobs takes effect (the repeats are enqueued) but its answer is lost: a 503 comes back instead. */
    volatile boolean loseAnswers;

    FakeWorkato() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/api", this::answer);
        server.start();
    }

    String baseUrl() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/api";
    }

    void down(int status) {
        downStatus = status;
    }

    void up() {
        downStatus = 0;
    }

    /** The pending repeat jobs of {@code master} end now with {@code status} ("succeeded", "failed"). */
    synchronized void finishRepeats(String master, String status, String error) {
        jobs.replaceAll(j -> j.master().equals(master) && "pending".equals(j.status())
                ? new Job(j.id(), j.recipeId(), j.master(), j.startedAt(), status, error) : j);
    }

    synchronized int repeatCallCount() {
        return repeatCalls.size();
    }

    synchronized long enqueuedCount(String jobId) {
        return enqueued.stream().filter(jobId::equals).count();
    }

    private synchronized void answer(HttpExchange ex) throws IOException {
        String path = ex.getRequestURI().getPath();
        String body = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
        if (downStatus != 0) {
            if (downStatus == 429) {
                ex.getResponseHeaders().add("Retry-After", "1");
            }
            if (REPEAT.matcher(path).matches()) {
                repeatCalls.add(List.of());
            }
            send(ex, downStatus, "{\"message\":\"down\"}");
            return;
        }
        Matcher m;
        if ((m = REPEAT.matcher(path)).matches() && "POST".equals(ex.getRequestMethod())) {
            long recipe = Long.parseLong(m.group(1));
            List<String> ids = new ArrayList<>();
            Matcher idm = IDS.matcher(body.substring(body.indexOf('[')));
            while (idm.find()) {
                ids.add(idm.group(1));
            }
            repeatCalls.add(ids);
            StringBuilder results = new StringBuilder();
            for (String id : ids) {
                if (results.length() > 0) {
                    results.append(',');
                }
                String refusal = refuse.get(id);
                if (refusal != null) {
                    results.append("{\"job_id\":\"").append(id).append("\",\"status\":\"failed\",\"error\":")
                            .append(refusal).append('}');
                } else {
                    enqueued.add(id);
                    String[] end = endsAs.getOrDefault(id, new String[] {"pending", null});
                    jobs.add(0, new Job("j-R" + sequence.incrementAndGet(), recipe, id, Instant.now(), end[0],
                            end[1]));
                    results.append("{\"job_id\":\"").append(id).append("\",\"status\":\"enqueued\"}");
                }
            }
            if (loseAnswers) {
                send(ex, 503, "{\"message\":\"upstream timed out\"}");
            } else {
                send(ex, 200, "{\"results\":[" + results + "]}");
            }
        } else if ((m = JOB.matcher(path)).matches()) {
            String id = m.group(2);
            Job job = jobs.stream().filter(j -> j.id().equals(id)).findFirst().orElse(null);
            send(ex, job == null ? 404 : 200, job == null ? "{\"message\":\"not found\"}" : json(job));
        } else if ((m = JOBS.matcher(path)).matches()) {
            listings.incrementAndGet();
            long recipe = Long.parseLong(m.group(1));
            // newest first (jobs.get(0)); offset_job_id with prev=false lists the jobs older than that one, as
            // Workato does; without it a cursor-following reader would get the first page again and again
            String query = ex.getRequestURI().getQuery() == null ? "" : ex.getRequestURI().getQuery();
            Matcher offset = Pattern.compile("(?:^|&)offset_job_id=([^&]+)").matcher(query);
            String after = offset.find() ? offset.group(1) : null;
            if (after == null) {
                firstPages.incrementAndGet();
            }
            boolean past = after == null || ignoreOffset;
            StringBuilder items = new StringBuilder();
            for (Job j : jobs) {
                if (!past) {
                    past = j.id().equals(after);
                    continue;
                }
                if (j.recipeId() == recipe) {
                    items.append(items.length() > 0 ? "," : "").append(json(j));
                }
            }
            send(ex, 200, "{\"items\":[" + items + "]}");
        } else {
            send(ex, 404, "{}");
        }
    }

    private static String json(Job j) {
        boolean finished = !"pending".equals(j.status());
        return "{\"id\":\"" + j.id() + "\",\"recipe_id\":" + j.recipeId() + ",\"status\":\"" + j.status()
                + "\",\"started_at\":\"" + j.startedAt() + "\",\"completed_at\":"
                + (finished ? "\"" + j.startedAt().plusSeconds(1) + "\"" : "null")
                + ",\"is_error\":" + "failed".equals(j.status()) + ",\"error\":" + (j.error() == null ? "null"
                : j.error()) + ",\"master_job_id\":\"" + j.master() + "\",\"is_repeat\":true}";
    }

    private static void send(HttpExchange ex, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().add("Content-Type", "application/json");
        ex.sendResponseHeaders(status, bytes.length);
        ex.getResponseBody().write(bytes);
        ex.close();
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
