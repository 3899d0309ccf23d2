package io.aof.launcher;

import com.fasterxml.jackson.databind.JsonNode;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * Outage awareness off and on, in one run ({@code benchmarks/outage-comparison.sh}, issue 17): for each mode a
 * fresh suite as separate processes, as {@code ./aof up} runs them (its own state folder under
 * {@code .aof-bench/} and its own ports), with time scaled ({@link #MINUTE}: one minute of the scenario is two
 * seconds). NetSuite goes down for 20 minutes under 9 recipes and 300 of their jobs fail in its first 10%, while
 * 3 recipes on other connectors fail once each (30 jobs) and recover on their first repeat; at the outage's end
 * the run waits for every incident to end, then reads what happened from the simulator (its jobs, every Workato
 * API call, what Slack received) and from AOF (incidents, outages, probes). Prints one table, OFF and ON side by
 * side, and writes it to {@code .aof-bench/outage-comparison.md}. Figures, not assertions.
 */
final class OutageBenchmark {

    /** One minute of the scenario takes this long. */
    static final Duration MINUTE = Duration.ofSeconds(2);
    static final double OUTAGE_MINUTES = 20;
    /** The 300 failures are triggered in the outage's first tenth. */
    static final double TRIGGER_SHARE = 0.10;
    /** "Recovered soon": a repeat of the job succeeded within this long after the outage's end. */
    static final double RECOVERY_MINUTES = 10;
    /** At most this long after the outage's end for every incident to end. */
    static final double SETTLE_CAP_MINUTES = 90;
    static final int NETSUITE_RECIPES = 9;
    static final int NETSUITE_JOBS = 300;
    static final int OTHER_JOBS_PER_RECIPE = 10;
    /**
     * Workato's repeat limit (one repeat_jobs call a second) scaled with time: 30 calls a second, and recovery's
     * gap with it (53 ms). Left at one a second, the release of 300 held jobs (18 calls) took 9 scaled minutes,
     * where it takes 18 s in real time, and that artefact alone put 99% within 10 minutes out of reach.
     */
    static final int REPEATS_PER_SECOND = (int) (60 / MINUTE.toSeconds());
    /** The simulator's read limit and AOF's read budgets (collation 2/3, recovery 1/3): far above the need. */
    static final int READS_PER_MINUTE = 20_000;
    static final String OPS = "#aof-ops";
    static final String ADMIN = "#aof-admin";
    static final String UPSTREAM = "netsuite";
    static final Set<String> TERMINAL = Set.of("RECOVERED", "EXHAUSTED", "NON_RETRYABLE", "MANUALLY_RESOLVED",
            "ESCALATED");

    /** A mode of the comparison: outage awareness off or on, each on its own ports and state folder. */
    record Mode(String name, boolean outages, int portBase) {
    }

    static final List<Mode> MODES = List.of(new Mode("OFF", false, 28100), new Mode("ON", true, 28150));

    /** A recipe on another connector that fails once with its own error and recovers on its first repeat. */
    record Other(String connector, String name, String error, String errorTypeId, int httpCode) {
    }

    static final List<Other> OTHERS = List.of(
            new Other("salesforce", "Salesforce: upsert accounts (fails once)", "503 Service Unavailable from "
                    + "https://acme.my.salesforce.com/services/data/v59.0/sobjects/Account",
                    "err.http.response.server_error", 503),
            new Other("shopify", "Shopify: fetch orders (fails once)", "502 Bad Gateway from "
                    + "https://acme.myshopify.com/admin/api/2024-01/orders.json",
                    "err.http.response.server_error", 502),
            new Other("google_sheets", "Google Sheets: append rows (fails once)", "Request to "
                    + "https://sheets.googleapis.com/v4/spreadsheets timed out after 60 seconds (Net::ReadTimeout)",
                    "err.http.response.timeout", 504));

    private final Mode mode;
    private final ProofSuite suite;
    private final SimClient sim;
    private final List<Long> netsuite = new ArrayList<>();
    private final List<Long> others = new ArrayList<>();

    OutageBenchmark(Mode mode, ProofSuite suite) {
        this.mode = mode;
        this.suite = suite;
        this.sim = new SimClient(suite.simUrl(), Duration.ofSeconds(60));
    }

    static Duration scaled(double minutes) {
        return Duration.ofMillis(Math.round(minutes * MINUTE.toMillis()));
    }

    static double minutesOf(long millis) {
        return millis / (double) MINUTE.toMillis();
    }

    static int run(Path root, String brokerClasspath) throws Exception {
        Path bench = root.resolve(".aof-bench");
        Files.createDirectories(bench);
        long began = System.currentTimeMillis();
        Map<String, Result> results = new LinkedHashMap<>();
        for (Mode mode : MODES) {
            results.put(mode.name(), runMode(root, bench, mode, brokerClasspath));
        }
        String out = report(Instant.now(), Runtime.getRuntime().availableProcessors(), memoryGb(),
                System.getProperty("java.version"), settings(), results.get("OFF"), results.get("ON"),
                System.currentTimeMillis() - began);
        System.out.println(out);
        Path file = bench.resolve("outage-comparison.md");
        Files.writeString(file, out);
        say("Table also in " + file);
        return 0;
    }

    private static Result runMode(Path root, Path bench, Mode mode, String brokerClasspath) throws Exception {
        Path state = bench.resolve("outage-" + mode.name().toLowerCase(Locale.ROOT));
        SuiteParts.deleteTree(state);
        Files.createDirectories(state);
        // the proof's options carry what the suite reads: state, ports, the simulator's limits (repeats scaled)
        ProofOptions options = new ProofOptions(20, NETSUITE_JOBS, scaled(OUTAGE_MINUTES),
                scaled(SETTLE_CAP_MINUTES), false, mode.portBase(), state, READS_PER_MINUTE, REPEATS_PER_SECOND,
                Duration.ofSeconds(1), 1);
        ProofSuite suite = new ProofSuite(root, options, brokerClasspath);
        suite.tune(tuning(mode));
        Thread hook = new Thread(suite::close, "bench-stop");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            say(mode.name() + ": outage awareness " + (mode.outages() ? "on" : "off") + "; state " + state
                    + ", ports " + mode.portBase() + ".." + (mode.portBase() + 40));
            suite.startInfrastructure();
            say(mode.name() + ": starting the five services ...");
            suite.startServices(List.of(PipelineBenchmark.SERVICES));
            say(mode.name() + ": suite up; 10 s for the consumers to join");
            Thread.sleep(10_000);
            return new OutageBenchmark(mode, suite).play();
        } finally {
            suite.close();
            Runtime.getRuntime().removeShutdownHook(hook);
        }
    }

    // --- the settings

    /** The services' arguments: the shipped settings with time scaled, and outage awareness off or on. */
    static ProofSuite.Tuning tuning(Mode mode) {
        Map<String, List<String>> args = new LinkedHashMap<>();
        int collationReads = READS_PER_MINUTE * 2 / 3;
        args.put("collation-service", List.of(
                "--aof.collation.poll-interval=1s",
                "--aof.collation.stats-interval=30s",
                "--aof.workato.resilience.reads-per-minute=" + collationReads));
        args.put("orchestrator-service", List.of(
                "--aof.orchestrator.policies.defaults.max-attempts=5",
                "--aof.orchestrator.policies.defaults.initial-delay=" + seconds(5),
                "--aof.orchestrator.policies.defaults.multiplier=2",
                "--aof.orchestrator.policies.defaults.max-delay=" + seconds(10),
                "--aof.orchestrator.outages.enabled=" + mode.outages(),
                "--aof.orchestrator.outages.window=" + seconds(5),
                "--aof.orchestrator.outages.probe-backoff=" + seconds(2) + "," + seconds(5) + "," + seconds(10) + ","
                        + seconds(15),
                "--aof.orchestrator.outages.quiet-period=" + seconds(15),
                "--aof.orchestrator.outages.max-duration=" + seconds(24 * 60),
                "--aof.orchestrator.outages.sweep-interval=1s"));
        args.put("recovery-service", List.of(
                "--aof.recovery.watch-interval=1s",
                "--aof.recovery.repeat-call-gap=" + (1000 / REPEATS_PER_SECOND + 20) + "ms",
                "--aof.workato.resilience.reads-per-minute=" + (READS_PER_MINUTE - collationReads)));
        args.put("notifier-service", List.of(
                "--aof.notifier.grouping.group-interval=" + seconds(5),
                "--aof.notifier.grouping.repeat-interval=" + seconds(4 * 60),
                "--aof.notifier.escalation.repeat-interval=" + seconds(60)));
        return new ProofSuite.Tuning(SuiteParts.LOCAL_SERVICE_JVM, args, Map.of(),
                List.of("synchronous_commit=off", "timezone=UTC"));
    }

    /** {@code minutes} of the scenario as a Spring duration in real seconds ({@code 10s}). */
    static String seconds(double minutes) {
        long ms = scaled(minutes).toMillis();
        return ms % 1000 == 0 ? ms / 1000 + "s" : ms + "ms";
    }

    static List<String> settings() {
        List<String> s = new ArrayList<>();
        s.add(String.format(Locale.ROOT, "Scale: 1 minute = %d s. NetSuite down %.0f min (%s real), %d jobs of %d "
                        + "recipes triggered in its first %.0f%% (%s), %d jobs of %d other recipes (FAIL_TIMES 1, one per "
                        + "connector) at the same time; \"recovered soon\" = a repeat succeeded within %.0f min (%s) of "
                        + "the end; every incident ended, or at most %.0f min after the end", MINUTE.toSeconds(),
                OUTAGE_MINUTES, seconds(OUTAGE_MINUTES), NETSUITE_JOBS, NETSUITE_RECIPES, TRIGGER_SHARE * 100,
                seconds(OUTAGE_MINUTES * TRIGGER_SHARE), OTHER_JOBS_PER_RECIPE * OTHERS.size(), OTHERS.size(),
                RECOVERY_MINUTES, seconds(RECOVERY_MINUTES), SETTLE_CAP_MINUTES));
        s.add("Policy (shipped: 5 attempts, 5 min doubling to 10 min, jitter 0.2): max-attempts 5, initial-delay "
                + seconds(5) + ", multiplier 2, max-delay " + seconds(10) + "; notify-ops FIRST_AND_FINAL, escalate "
                + "(shipped)");
        s.add("Outages (shipped: window 5 min, probes after 2, 5, 10, 15 min, quiet 15 min, max 24 h, sweep 15 s): "
                + "window " + seconds(5) + ", probe-backoff " + seconds(2) + "," + seconds(5) + "," + seconds(10)
                + "," + seconds(15) + ", quiet-period " + seconds(15) + ", max-duration " + seconds(24 * 60)
                + ", sweep-interval 1s; min-failures 5, min-recipes 2 (shipped); enabled false (OFF) / true (ON)");
        s.add("Notifier (shipped grouping: group-wait 0, group-interval 5 min, repeat 4 h; escalations every 1 h): "
                + "group-interval " + seconds(5) + ", repeat-interval " + seconds(4 * 60)
                + ", escalation repeat-interval " + seconds(60));
        s.add("Workato reads: the simulator's limit raised from Workato's 60/min (1,800/min at this scale) to "
                + String.format(Locale.ROOT, "%,d", READS_PER_MINUTE) + "/min, AOF's budgets with it (collation "
                + String.format(Locale.ROOT, "%,d", READS_PER_MINUTE * 2 / 3) + ", recovery "
                + String.format(Locale.ROOT, "%,d", READS_PER_MINUTE - READS_PER_MINUTE * 2 / 3) + "), so reads "
                + "are not the bottleneck. Repeats: Workato's limit of 1 repeat_jobs call a second (at most 25 ids) "
                + "scaled like time, " + REPEATS_PER_SECOND + " calls a second (recovery's gap "
                + (1000 / REPEATS_PER_SECOND + 20) + " ms): 25 ids a scaled second");
        s.add("Not scaled: simulator job duration 1 s (30 s at scale), collation poll 1 s (shipped 30 s), recovery "
                + "watch 1 s (shipped 5 s), the orchestrator's 1 s scheduler; safety deadlines (recovery's outcome "
                + "deadline, the outcome sweep) as shipped: not reached");
        s.add("Processes: PostgreSQL, one KRaft broker, the simulator and the five services, each its own process "
                + "with ./aof up's JVM options (" + String.join(" ", SuiteParts.LOCAL_SERVICE_JVM) + "); a fresh "
                + "suite per mode (own state folder and ports: nothing shared)");
        return s;
    }

    // --- the scenario of one mode

    Result play() throws Exception {
        createRecipes();
        Thread.sleep(3_000);   // a collation sweep lists the new recipes
        long outageMillis = scaled(OUTAGE_MINUTES).toMillis();
        JsonNode started = ProofRun.JSON.readTree(sim.put("/sim/connectors/" + UPSTREAM + "/outage?seconds="
                + outageMillis / 1000));
        long until = Instant.parse(started.path("until").asText()).toEpochMilli();
        long t0 = until - outageMillis;
        say(mode.name() + ": " + UPSTREAM + " down for " + outageMillis / 1000 + " s (" + OUTAGE_MINUTES
                + " min); triggering " + NETSUITE_JOBS + " + " + OTHER_JOBS_PER_RECIPE * OTHERS.size() + " jobs");
        trigger(t0, (long) (outageMillis * TRIGGER_SHARE));
        while (System.currentTimeMillis() < until) {
            progress(t0);
            Thread.sleep(Math.max(1, Math.min(5_000, until - System.currentTimeMillis())));
        }
        JsonNode ended = ProofRun.JSON.readTree(sim.delete("/sim/connectors/" + UPSTREAM + "/outage"));
        long end = ended.path("ended").asBoolean() ? System.currentTimeMillis() : until;
        say(mode.name() + ": " + UPSTREAM + " is back (DELETE at +" + secs(end - t0) + " s); waiting for every "
                + "incident to end (at most " + seconds(SETTLE_CAP_MINUTES) + ")");
        boolean settled = settle(t0, end + scaled(SETTLE_CAP_MINUTES).toMillis());
        long settledAt = System.currentTimeMillis();
        flushNotifier();
        return measure(t0, end, settled, settledAt);
    }

    private void createRecipes() throws Exception {
        for (int k = 1; k <= NETSUITE_RECIPES; k++) {
            netsuite.add(createRecipe(Map.of("name", "NetSuite: sync #" + k, "folderId", 90, "connector", UPSTREAM,
                    "behaviour", Map.of("kind", "HEALTHY"))));
        }
        for (Other o : OTHERS) {
            others.add(createRecipe(Map.of("name", o.name(), "folderId", 90, "connector", o.connector(),
                    "behaviour", Map.of("kind", "FAIL_TIMES", "failTimes", 1, "error", o.error(), "errorTypeId",
                            o.errorTypeId(), "httpCode", o.httpCode()))));
        }
    }

    private long createRecipe(Map<String, Object> body) throws Exception {
        return ProofRun.JSON.readTree(sim.post("/sim/recipes", ProofRun.JSON.writeValueAsString(body))).get("id")
                .asLong();
    }

    /** The jobs in rounds a second apart over {@code spread}: each recipe's share split evenly over the rounds. */
    private void trigger(long t0, long spread) throws Exception {
        int rounds = (int) Math.max(1, spread / 1000);
        int made = 0;
        for (int round = 0; round < rounds; round++) {
            long at = t0 + round * 1000L;
            if (at > System.currentTimeMillis()) {
                Thread.sleep(at - System.currentTimeMillis());
            }
            for (int r = 0; r < netsuite.size(); r++) {
                made += triggerJobs(netsuite.get(r), share(share(NETSUITE_JOBS, netsuite.size(), r), rounds, round));
            }
            for (Long other : others) {
                made += triggerJobs(other, share(OTHER_JOBS_PER_RECIPE, rounds, round));
            }
        }
        say(mode.name() + ": " + made + " jobs triggered by +" + secs(System.currentTimeMillis() - t0) + " s");
    }

    /** Part {@code i} of {@code total} split into {@code parts} as evenly as can be (the first parts larger). */
    static int share(int total, int parts, int i) {
        return total / parts + (i < total % parts ? 1 : 0);
    }

    private int triggerJobs(long recipe, int count) throws Exception {
        if (count > 0) {
            sim.post("/sim/recipes/" + recipe + "/trigger?count=" + count, "");
        }
        return count;
    }

    private void progress(long t0) throws Exception {
        Map<String, Integer> states = new TreeMap<>();
        try (Connection c = suite.db(); ResultSet rs = c.createStatement().executeQuery(
                "SELECT state, count(*) FROM orchestrator.incident GROUP BY state")) {
            while (rs.next()) {
                states.put(rs.getString(1), rs.getInt(2));
            }
        }
        say(mode.name() + ":   +" + secs(System.currentTimeMillis() - t0) + " s: incidents " + states);
    }

    /** Until every incident of the run is open and ended (or {@code deadline}); true when they are. */
    private boolean settle(long t0, long deadline) throws Exception {
        int expected = NETSUITE_JOBS + OTHER_JOBS_PER_RECIPE * OTHERS.size();
        long lastSay = 0;
        while (System.currentTimeMillis() < deadline) {
            int total = 0;
            int open = 0;
            try (Connection c = suite.db(); ResultSet rs = c.createStatement().executeQuery(
                    "SELECT state, count(*) FROM orchestrator.incident GROUP BY state")) {
                while (rs.next()) {
                    total += rs.getInt(2);
                    open += TERMINAL.contains(rs.getString(1)) ? 0 : rs.getInt(2);
                }
            }
            if (total >= expected && open == 0) {
                say(mode.name() + ": every incident ended by +" + secs(System.currentTimeMillis() - t0) + " s");
                return true;
            }
            if (System.currentTimeMillis() - lastSay >= 10_000) {
                lastSay = System.currentTimeMillis();
                progress(t0);
            }
            Thread.sleep(1_000);
        }
        say(mode.name() + ": NOT settled within the cap");
        return false;
    }

    /** Until the notifier has nothing left to send or to digest, and Slack got nothing new for 2 s (at most 45 s). */
    private void flushNotifier() throws Exception {
        long deadline = System.currentTimeMillis() + 45_000;
        int last = -1;
        int quiet = 0;
        while (System.currentTimeMillis() < deadline && quiet < 2) {
            long waiting;
            try (Connection c = suite.db(); ResultSet rs = c.createStatement().executeQuery(
                    "SELECT count(*) FROM notifier.notification WHERE state IN ('PENDING', 'GROUPED')")) {
                rs.next();
                waiting = rs.getLong(1);
            }
            int slack = sim.slackMessages().size();
            quiet = waiting == 0 && slack == last ? quiet + 1 : 0;
            last = slack;
            Thread.sleep(1_000);
        }
    }

    // --- measuring

    /** What one mode did: the figures of the table and what to say about its outages. */
    record Result(JobFigures jobs, Map<String, int[]> slack, Map<String, long[]> calls, int exhaustedNetsuite,
                  int exhaustedOther, int openThreadsOfRecovered, Map<String, Integer> states,
                  List<OutageSeen> outages, boolean settled, double settledMinutesAfterEnd) {
    }

    /**
     * An outage AOF opened, as its API shows it: when (ms after the real outage began), when it ended (ms after the
     * real outage ended; null: still open) and how, its failed probes and its members.
     */
    record OutageSeen(String upstream, long openedAfterStart, Long endedAfterEnd, String how, int failedProbes,
                      int jobs, int recipes) {

        @Override
        public String toString() {
            return String.format(Locale.ROOT, "%s: opened %s into the outage, %s; %d jobs of %d recipes, %d failed "
                            + "probe(s)", upstream, relative(openedAfterStart), endedAfterEnd == null ? "still open"
                            : "ended " + relative(endedAfterEnd) + " after the real end (" + how + ")", jobs, recipes,
                    failedProbes);
        }
    }

    private Result measure(long t0, long end, boolean settled, long settledAt) throws Exception {
        long measuredAt = System.currentTimeMillis();
        List<Map<String, Object>> jobs = sim.jobs();
        Set<Long> ns = new TreeSet<>(netsuite);
        Set<String> probes = probeJobIds();
        // when each successful repeat of a NetSuite job ended (the compact listing has only its start)
        Map<String, Long> completed = new HashMap<>();
        for (Map<String, Object> j : jobs) {
            if (j.get("master_job_id") != null && "succeeded".equals(j.get("status"))
                    && ns.contains(((Number) j.get("recipe_id")).longValue())) {
                JsonNode detail = ProofRun.JSON.readTree(sim.get("/sim/jobs/" + j.get("id")));
                completed.put((String) j.get("id"), Instant.parse(detail.path("completed_at").asText()).toEpochMilli());
            }
        }
        JobFigures figures = jobFigures(jobs, completed, ns, end, scaled(RECOVERY_MINUTES).toMillis(), probes);
        List<Map<String, Object>> messages = sim.slackMessages();
        Map<String, int[]> slack = slackPosts(messages);
        List<Map<String, Object>> log = sim.callLog();
        Map<String, long[]> calls = callsByEndpoint(log, t0, measuredAt);
        // the records behind the figures, to look into after the run (the simulator keeps them in memory only)
        Map<String, Object> records = new LinkedHashMap<>();
        records.put("outage_start", t0);
        records.put("outage_end", end);
        records.put("netsuite_recipes", netsuite);
        records.put("other_recipes", others);
        records.put("probe_jobs", probes);
        records.put("jobs", jobs);
        records.put("repeats_completed_at", completed);
        records.put("slack", messages);
        records.put("workato_calls", log);
        ProofRun.JSON.writeValue(suite.state.resolve("records.json").toFile(), records);
        Map<String, Integer> states = new TreeMap<>();
        int exhaustedNetsuite = 0;
        int exhaustedOther = 0;
        try (Connection c = suite.db(); PreparedStatement ps = c.prepareStatement(
                "SELECT recipe_id = ANY(?), state, count(*) FROM orchestrator.incident GROUP BY 1, 2")) {
            ps.setArray(1, c.createArrayOf("bigint", netsuite.toArray()));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    String key = (rs.getBoolean(1) ? UPSTREAM : "other") + " " + rs.getString(2);
                    states.put(key, rs.getInt(3));
                    if (rs.getString(2).equals("EXHAUSTED")) {
                        if (rs.getBoolean(1)) {
                            exhaustedNetsuite += rs.getInt(3);
                        } else {
                            exhaustedOther += rs.getInt(3);
                        }
                    }
                }
            }
        }
        int openThreads;
        try (Connection c = suite.db(); ResultSet rs = c.createStatement().executeQuery(
                "SELECT count(DISTINCT t.incident_id) FROM notifier.incident_thread t JOIN orchestrator.incident i "
                        + "ON i.id = t.incident_id WHERE i.state = 'RECOVERED' "
                        + "AND t.last_kind NOT IN ('RECOVERED', 'RESOLVED_MANUALLY')")) {
            rs.next();
            openThreads = rs.getInt(1);
        }
        List<OutageSeen> outages = outages(t0, end);
        say(mode.name() + ": incidents " + states + "; outages " + outages);
        return new Result(figures, slack, calls, exhaustedNetsuite, exhaustedOther, openThreads, states, outages,
                settled,
                minutesOf(settledAt - end));
    }

    /** The simulator jobs that were outage probes: the repeat job of each probe the orchestrator reported. */
    private Set<String> probeJobIds() throws Exception {
        Set<String> ids = new TreeSet<>();
        try (Connection c = suite.db(); ResultSet rs = c.createStatement().executeQuery(
                "SELECT a.repeat_job_id FROM logger.event_log e JOIN orchestrator.incident_attempt a "
                        + "ON a.incident_id = e.payload->>'probeIncidentId' "
                        + "AND a.attempt = (e.payload->>'probeAttempt')::int "
                        + "WHERE e.event_type = 'OutageProbed' AND a.repeat_job_id IS NOT NULL")) {
            while (rs.next()) {
                ids.add(rs.getString(1));
            }
        }
        return ids;
    }

    /** Each outage AOF opened, as the orchestrator's API shows it, times from the simulator's outage. */
    private List<OutageSeen> outages(long t0, long end) throws Exception {
        var r = suite.getAsOps("orchestrator", "/api/outages?state=all");
        if (r.statusCode() != 200) {
            throw new IllegalStateException("GET /api/outages answered " + r.statusCode() + ": " + r.body());
        }
        List<OutageSeen> out = new ArrayList<>();
        for (JsonNode v : ProofRun.JSON.readTree(r.body())) {
            JsonNode o = v.path("outage");
            boolean open = o.path("endedAt").isNull() || o.path("endedAt").isMissingNode();
            out.add(new OutageSeen(o.path("upstream").asText(), epoch(o.path("openedAt")) - t0,
                    open ? null : epoch(o.path("endedAt")) - end, o.path("endedHow").asText(),
                    o.path("probes").asInt(), v.path("jobs").asInt(), v.path("recipes").asInt()));
        }
        return out;
    }

    private static long epoch(JsonNode t) {
        return t.isNumber() ? (long) (t.asDouble() * 1000) : Instant.parse(t.asText()).toEpochMilli();
    }

    private static String relative(long millis) {
        return String.format(Locale.ROOT, "%.1f min (%s s)", minutesOf(millis), secs(millis));
    }

    // --- the figures (pure: unit-tested)

    /**
     * What the simulator's jobs say about the NetSuite jobs and every job's repeats.
     *
     * @param netsuiteJobs          NetSuite's original failed jobs
     * @param outageRepeats         repeats of NetSuite jobs that failed because NetSuite was down (attempts spent
     *                              against the outage)
     * @param probeRepeats          ... of which outage probes
     * @param recoveredSoon         NetSuite jobs with a repeat that succeeded within the window after the end
     * @param recovered             NetSuite jobs with a repeat that succeeded at all
     * @param lastRecoveredAfterEnd when the last of them recovered, after the outage's end (ms; -1: none)
     * @param medianRecoveredAfterEnd ... the median of them (ms; -1: none)
     * @param repeatedTwice         original jobs (any recipe) with more than one successful repeat
     */
    record JobFigures(int netsuiteJobs, int outageRepeats, int probeRepeats, int recoveredSoon, int recovered,
                      long lastRecoveredAfterEnd, long medianRecoveredAfterEnd, int repeatedTwice) {

        int beyondProbes() {
            return outageRepeats - probeRepeats;
        }
    }

    /**
     * @param jobs      the simulator's jobs (compact: id, recipe_id, status, master_job_id, is_test, outage_failure)
     * @param completed when each successful repeat of a NetSuite job ended (epoch ms), by job id
     * @param netsuite  the NetSuite recipes
     * @param end       the outage's end (epoch ms)
     * @param window    "recovered soon" within this long after the end (ms)
     * @param probes    the repeat jobs that were outage probes
     */
    static JobFigures jobFigures(List<Map<String, Object>> jobs, Map<String, Long> completed, Set<Long> netsuite,
                                 long end, long window, Set<String> probes) {
        int originals = 0;
        int outageRepeats = 0;
        int probeRepeats = 0;
        Map<String, Long> firstSuccess = new HashMap<>();
        Map<String, Integer> successes = new HashMap<>();
        for (Map<String, Object> j : jobs) {
            boolean ns = netsuite.contains(((Number) j.get("recipe_id")).longValue());
            String master = (String) j.get("master_job_id");
            if (master == null) {
                if (ns && "failed".equals(j.get("status")) && !Boolean.TRUE.equals(j.get("is_test"))) {
                    originals++;
                }
                continue;
            }
            if ("succeeded".equals(j.get("status"))) {
                successes.merge(master, 1, Integer::sum);
                Long at = completed.get((String) j.get("id"));
                if (ns && at != null) {
                    firstSuccess.merge(master, at, Math::min);
                }
            }
            if (ns && Boolean.TRUE.equals(j.get("outage_failure"))) {
                outageRepeats++;
                if (probes.contains((String) j.get("id"))) {
                    probeRepeats++;
                }
            }
        }
        List<Long> after = firstSuccess.values().stream().map(t -> t - end).sorted().toList();
        int soon = (int) after.stream().filter(d -> d <= window).count();
        int twice = (int) successes.values().stream().filter(n -> n > 1).count();
        return new JobFigures(originals, outageRepeats, probeRepeats, soon, after.size(),
                after.isEmpty() ? -1 : after.get(after.size() - 1), after.isEmpty() ? -1 : after.get(after.size() / 2),
                twice);
    }

    /**
     * Slack posts ({@code chat.postMessage}) by channel: {all, the outage's thread, NetSuite jobs' own alerts,
     * other, edits}. A thread's first message is the outage's when it names an outage id (its context line does),
     * else about NetSuite when it names it (a NetSuite recipe's alerts and digests name the recipe); a reply is
     * about what its thread's first message is about. Edits ({@code chat.update}) are counted apart: they change a
     * message people already have.
     */
    static Map<String, int[]> slackPosts(List<Map<String, Object>> messages) {
        Map<String, int[]> out = new TreeMap<>();
        Map<String, Integer> threadAbout = new HashMap<>();
        for (Map<String, Object> m : messages) {
            String channel = String.valueOf(m.get("channel"));
            int[] n = out.computeIfAbsent(channel, k -> new int[5]);
            if ("chat.update".equals(m.get("method"))) {
                n[4]++;
                continue;
            }
            if (!"chat.postMessage".equals(m.get("method"))) {
                continue;
            }
            String content = (m.get("text") + " " + m.get("blocks")).toLowerCase(Locale.ROOT);
            int names = content.contains("outage-") ? 1 : content.contains(UPSTREAM) ? 2 : 3;
            Object thread = m.get("thread_ts");
            int about = thread == null ? names : threadAbout.getOrDefault(channel + "|" + thread, names);
            if (thread == null) {
                threadAbout.put(channel + "|" + m.get("ts"), about);
            }
            n[0]++;
            n[about]++;
        }
        return out;
    }

    /**
     * Workato API calls made from {@code from} to {@code to} (epoch ms, by arrival), by endpoint: {calls, answered
     * other than 2xx, job ids asked (repeat_jobs)}.
     */
    static Map<String, long[]> callsByEndpoint(List<Map<String, Object>> log, long from, long to) {
        Map<String, long[]> out = new TreeMap<>();
        for (Map<String, Object> c : log) {
            long at = ((Number) c.get("arrived_at")).longValue();
            if (at < from || at > to) {
                continue;
            }
            long[] n = out.computeIfAbsent(String.valueOf(c.get("endpoint")), k -> new long[3]);
            n[0]++;
            if (((Number) c.get("status")).intValue() / 100 != 2) {
                n[1]++;
            }
            Object ids = c.get("job_ids");
            if (ids instanceof List<?> l) {
                n[2] += l.size();
            }
        }
        return out;
    }

    // --- the table

    static String report(Instant when, int cores, double memoryGb, String java, List<String> settings, Result off,
                         Result on, long tookMillis) {
        StringBuilder out = new StringBuilder();
        out.append(String.format(Locale.ROOT, "%n=== AOF outage awareness OFF vs ON, %s, %d cores (nproc), %.1f GB "
                        + "RAM, Java %s; the run took %.1f min ===%n", DateTimeFormatter.ISO_LOCAL_DATE.format(
                        when.atOffset(ZoneOffset.UTC)), cores, memoryGb, java, tookMillis / 60_000.0));
        for (String s : settings) {
            out.append("  ").append(s).append('\n');
        }
        out.append('\n').append(table(off, on));
        for (var e : Map.of("OFF", off, "ON", on).entrySet().stream().sorted(Map.Entry.comparingByKey()).toList()) {
            Result r = e.getValue();
            out.append(String.format(Locale.ROOT, "%n%s: incidents by state at the end %s; %s; outages AOF opened: %s",
                    e.getKey(), r.states(), r.settled() ? String.format(Locale.ROOT, "every incident ended %.1f min "
                            + "after the outage's end", r.settledMinutesAfterEnd()) : "NOT every incident ended within "
                            + "the cap", r.outages().isEmpty() ? "none" : r.outages().stream().map(OutageSeen::toString)
                            .collect(Collectors.joining("; "))));
        }
        return out.append('\n').toString();
    }

    /** The side-by-side table (markdown): one row per figure, OFF, ON, the goal for ON and whether ON meets it. */
    static String table(Result off, Result on) {
        StringBuilder t = new StringBuilder("| figure | outage awareness OFF | outage awareness ON | goal (ON) | ON "
                + "meets it |\n| --- | --- | --- | --- | --- |\n");
        row(t, "repeats against " + UPSTREAM + " that failed during its outage", off.jobs().outageRepeats() + "",
                on.jobs().outageRepeats() + " (" + on.jobs().probeRepeats() + " probes, " + on.jobs().beyondProbes()
                        + " beyond)", "0 beyond probes", on.jobs().beyondProbes() == 0);
        for (String channel : List.of(OPS, ADMIN)) {
            int[] a = off.slack().getOrDefault(channel, new int[5]);
            int[] b = on.slack().getOrDefault(channel, new int[5]);
            row(t, "Slack posts to " + channel + ": all (the outage's thread / " + UPSTREAM + " jobs' own alerts / "
                    + "other recipes)", posts(a), posts(b), "<= 3 about the outage", b[1] + b[2] <= 3);
        }
        row(t, "Slack edits (chat.update), both channels", edits(off) + "", edits(on) + "", "", null);
        row(t, "recovered incidents the notifier still counts open (its group reminder names them every "
                + "repeat-interval)", off.openThreadsOfRecovered() + "", on.openThreadsOfRecovered() + "", "", null);
        row(t, "incidents EXHAUSTED: " + UPSTREAM + " / other", off.exhaustedNetsuite() + " / " + off.exhaustedOther(),
                on.exhaustedNetsuite() + " / " + on.exhaustedOther(), "", null);
        row(t, UPSTREAM + " jobs recovered within " + fmt(RECOVERY_MINUTES) + " min of the outage's end",
                recovered(off.jobs()), recovered(on.jobs()), ">= 99%", on.jobs().netsuiteJobs() > 0
                        && on.jobs().recoveredSoon() >= 0.99 * on.jobs().netsuiteJobs());
        row(t, UPSTREAM + " jobs recovered by the end of the run; median / last after the outage's end",
                recoveredAtAll(off.jobs()), recoveredAtAll(on.jobs()), "", null);
        Set<String> endpoints = new TreeSet<>(off.calls().keySet());
        endpoints.addAll(on.calls().keySet());
        for (String endpoint : endpoints) {
            row(t, "Workato calls: " + endpoint, calls(off.calls().get(endpoint), endpoint),
                    calls(on.calls().get(endpoint), endpoint), "", null);
        }
        row(t, "outages AOF opened: into the outage / ended after the real end / failed probes", outages(off),
                outages(on), "", null);
        row(t, "jobs repeated twice (more than one successful repeat)", off.jobs().repeatedTwice() + "",
                on.jobs().repeatedTwice() + "", "0", on.jobs().repeatedTwice() == 0);
        return t.toString();
    }

    private static void row(StringBuilder t, String figure, String off, String on, String goal, Boolean meets) {
        t.append("| ").append(figure).append(" | ").append(off).append(" | ").append(on).append(" | ").append(goal)
                .append(" | ").append(meets == null ? "" : meets ? "yes" : "**NO**").append(" |\n");
    }

    private static String outages(Result r) {
        if (r.outages().isEmpty()) {
            return "none";
        }
        return r.outages().stream().map(o -> fmt(minutesOf(o.openedAfterStart())) + " min / " + (o.endedAfterEnd()
                == null ? "still open" : fmt(minutesOf(o.endedAfterEnd())) + " min") + " / " + o.failedProbes())
                .collect(Collectors.joining("; "));
    }

    private static String posts(int[] n) {
        return n[0] + " (" + n[1] + " / " + n[2] + " / " + n[3] + ")";
    }

    private static int edits(Result r) {
        return r.slack().values().stream().mapToInt(n -> n[4]).sum();
    }

    private static String recovered(JobFigures f) {
        return String.format(Locale.ROOT, "%d of %d (%.1f%%)", f.recoveredSoon(), f.netsuiteJobs(),
                f.netsuiteJobs() == 0 ? 0.0 : 100.0 * f.recoveredSoon() / f.netsuiteJobs());
    }

    private static String recoveredAtAll(JobFigures f) {
        if (f.recovered() == 0) {
            return "0 of " + f.netsuiteJobs();
        }
        return String.format(Locale.ROOT, "%d of %d; %s / %s min", f.recovered(), f.netsuiteJobs(),
                fmt(minutesOf(f.medianRecoveredAfterEnd())), fmt(minutesOf(f.lastRecoveredAfterEnd())));
    }

    private static String calls(long[] n, String endpoint) {
        if (n == null) {
            return "0";
        }
        String s = String.format(Locale.ROOT, "%,d", n[0]);
        if (endpoint.equals("repeat_jobs")) {
            s += String.format(Locale.ROOT, " (%,d ids)", n[2]);
        }
        if (n[1] > 0) {
            s += String.format(Locale.ROOT, ", %,d not 2xx", n[1]);
        }
        return s;
    }

    private static String fmt(double v) {
        return String.format(Locale.ROOT, "%.1f", v);
    }

    private static String secs(long millis) {
        return String.format(Locale.ROOT, "%.1f", millis / 1000.0);
    }

    private static double memoryGb() throws java.io.IOException {
        for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
            if (line.startsWith("MemTotal:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024.0 / 1024.0;
            }
        }
        return 0;
    }

    static void say(String message) {
        PipelineBenchmark.say(message);
    }
}
