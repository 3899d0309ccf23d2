package io.aof.launcher;

import java.nio.file.Path;
import java.time.Duration;

/**
 * The knobs of a proof run ({@code ./aof prove --help}).
 *
 * @param recipes          recipes in the simulated workspace (at least 20)
 * @param failures         original failed jobs produced over the load
 * @param load             how long failures keep coming (the faults are spread over it)
 * @param quiesce          how long to wait at most, after the load, for every incident to settle
 * @param full             every fault of the plan; otherwise the short variant: one kill -9 of recovery during a
 *                         repeat_jobs call and one broker restart
 * @param portBase         first port of the run's own range (base .. base+40)
 * @param state            the run's fresh state folder
 * @param readsPerMinute   the simulated workspace's read limit, shared by collation (2/3) and recovery (1/3)
 * @param repeatsPerSecond the simulated workspace's repeat_jobs limit; recovery's call gap follows it
 * @param pollInterval     collation's poll interval
 * @param burst            failures triggered at once per recipe (a storm batches its repeats)
 */
record ProofOptions(int recipes, int failures, Duration load, Duration quiesce, boolean full, int portBase, Path state,
                    int readsPerMinute, int repeatsPerSecond, Duration pollInterval, int burst) {

    /** Attempts per incident in the proof's policy (defaults: 5). */
    static final int MAX_ATTEMPTS = 3;

    static final String USAGE = String.join("\n",
            "usage: ./aof prove [--short] [--recipes N] [--failures N] [--minutes M] [--port-base P] [--state DIR]",
            "  full run (default): 120 recipes, 10000 failures over 8 minutes, every fault",
            "  --short: 23 recipes, 200 failures over 55 s, one kill -9 of recovery mid-call, one broker restart,",
            "           poison, a recipe stopped by Workato, one 5 MB polled error",
            "  --recipes N        recipes in the simulated workspace (>= 20)",
            "  --failures N       original failed jobs over the load",
            "  --minutes M        load duration (faults are placed at fractions of it)",
            "  --quiesce-minutes Q at most this long for everything to settle after the load",
            "  --reads-per-minute R, --repeats-per-second S   the simulated workspace's API limits",
            "  --port-base P      ports P..P+40 (default 26000; never those of ./aof up or the tests)",
            "  --state DIR        state folder (default .aof-proof; emptied first)");

    static ProofOptions parse(String[] args, Path root) {
        boolean full = true;
        for (String a : args) {
            if (a.equals("--short")) {
                full = false;
            }
        }
        int recipes = full ? 120 : 20;
        // the short run: the same failure rate as before (3.6 a second) over 55 s rather than 70 (inside ./mvnw verify)
        int failures = full ? 10_000 : 200;
        Duration load = full ? Duration.ofMinutes(8) : Duration.ofSeconds(55);
        Duration quiesce = full ? Duration.ofMinutes(8) : Duration.ofMinutes(4);
        int portBase = 26000;
        Path state = root.resolve(".aof-proof");
        int reads = full ? 6000 : 600;
        int repeats = full ? 5 : 2;
        Duration poll = full ? Duration.ofSeconds(8) : Duration.ofSeconds(3);
        int burst = full ? 10 : 5;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            switch (a) {
                case "--short", "--full" -> {
                }
                case "--recipes" -> recipes = Integer.parseInt(args[++i]);
                case "--failures" -> failures = Integer.parseInt(args[++i]);
                case "--minutes" -> load = Duration.ofSeconds(Math.round(Double.parseDouble(args[++i]) * 60));
                case "--quiesce-minutes" -> quiesce = Duration.ofSeconds(Math.round(Double.parseDouble(args[++i]) * 60));
                case "--port-base" -> portBase = Integer.parseInt(args[++i]);
                case "--state" -> state = root.resolve(args[++i]);
                case "--reads-per-minute" -> reads = Integer.parseInt(args[++i]);
                case "--repeats-per-second" -> repeats = Integer.parseInt(args[++i]);
                case "--burst" -> burst = Integer.parseInt(args[++i]);
                default -> throw new IllegalArgumentException("unknown option " + a + "\n" + USAGE);
            }
        }
        if (recipes < 20) {
            throw new IllegalArgumentException("--recipes must be at least 20 (one of each behaviour)");
        }
        if (failures < recipes) {
            throw new IllegalArgumentException("--failures must be at least --recipes");
        }
        return new ProofOptions(recipes, failures, load, quiesce, full, portBase, state, reads, repeats, poll, burst);
    }
}
