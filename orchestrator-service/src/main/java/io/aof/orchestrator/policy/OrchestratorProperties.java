package io.aof.orchestrator.policy;

import io.aof.common.events.NotificationRequested.Severity;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * {@code aof.orchestrator.*}: the categorization rules and retry policies, as
 * data. Rules are tried by error type first, then HTTP status, then message;
 * nothing matching means {@code UNKNOWN}. A policy is resolved field by field
 * from the least to the most specific: defaults, the category's policy, then
 * the overrides matching the recipe's name pattern, its folder, its id.
 */
@ConfigurationProperties("aof.orchestrator")
public record OrchestratorProperties(
        @DefaultValue("1s") Duration schedulerInterval,
        @DefaultValue List<CategoryRule> categories,
        @DefaultValue Policies policies,
        @DefaultValue OutcomeSweep outcomeSweep,
        @DefaultValue("30s") Duration suppressionReleaseInterval,
        @DefaultValue Outages outages) {

    public OrchestratorProperties {
        if (suppressionReleaseInterval.isNegative() || suppressionReleaseInterval.isZero()) {
            throw new IllegalArgumentException("aof.orchestrator.suppression-release-interval must be positive, was "
                    + suppressionReleaseInterval);
        }
    }

    /**
     * Settling incidents left {@code RETRYING}: when recovery has shown no sign of
     * an attempt (requested, accepted, deferred) for {@code deadline}, the
     * orchestrator asks it for the outcome ({@code OutcomeRequested}), at most
     * once per {@code askInterval}; after {@code maxAsks} unanswered asks it
     * exhausts the incident (never repeats it) and alerts.
     *
     * @param interval    how often the sweep runs
     * @param deadline    silence after which an attempt counts as overdue: recovery's
     *                    {@code aof.recovery.outcome-deadline} (30m) plus a margin (15m)
     * @param askInterval least time between two asks about one attempt
     * @param maxAsks     unanswered asks before the orchestrator gives up on the attempt
     */
    public record OutcomeSweep(@DefaultValue("1m") Duration interval, @DefaultValue("45m") Duration deadline,
                               @DefaultValue("10m") Duration askInterval, @DefaultValue("6") int maxAsks) {

        public OutcomeSweep {
            String key = "aof.orchestrator.outcome-sweep.";
            for (var d : new Object[][] {{"interval", interval}, {"deadline", deadline}, {"ask-interval", askInterval}}) {
                Duration v = (Duration) d[1];
                if (v == null || v.isNegative() || v.isZero()) {
                    throw new IllegalArgumentException(key + d[0] + " must be positive, was " + v);
                }
            }
            if (maxAsks < 1 || maxAsks > 100) {
                throw new IllegalArgumentException(key + "max-asks must be between 1 and 100, was " + maxAsks);
            }
        }
    }

    /**
     * Outage awareness: retryable failures of one upstream across recipes open an outage; its members' retries
     * are held (no attempt spent), one member is probed at a backoff, and when a probe (or any repeat against the
     * upstream) succeeds the held retries are released, oldest first.
     *
     * @param enabled        false: every failure is decided alone, as before outages existed
     * @param minFailures    retryable failures of one upstream within {@code window} that open an outage
     * @param minRecipes     ... from at least this many recipes (one recipe failing alone is that recipe's trouble)
     * @param window         how far back failures are counted
     * @param probeBackoff   waits before each probe, from the opening; the last repeats
     * @param quietPeriod    an outage with no held member and no member failure for this long ends by itself
     * @param maxDuration    an outage open this long is escalated to the super admin, then handled by
     *                       {@code afterMaxDuration}
     * @param afterMaxDuration HOLD: keep holding (and probing); EXHAUST: end it and exhaust its held members
     * @param sweepInterval  how often probes, releases, alert updates and the maximum are looked after
     * @param upstreams      per upstream (as named in incidents, e.g. {@code netsuite}): other thresholds
     */
    public record Outages(@DefaultValue("true") boolean enabled, @DefaultValue("5") int minFailures,
                          @DefaultValue("2") int minRecipes, @DefaultValue("5m") Duration window,
                          @DefaultValue({"2m", "5m", "10m", "15m"}) List<Duration> probeBackoff,
                          @DefaultValue("15m") Duration quietPeriod, @DefaultValue("24h") Duration maxDuration,
                          @DefaultValue("HOLD") AfterMaxDuration afterMaxDuration,
                          @DefaultValue("15s") Duration sweepInterval,
                          @DefaultValue Map<String, Thresholds> upstreams) {

        public Outages {
            String key = "aof.orchestrator.outages.";
            check(key, new Thresholds(minFailures, minRecipes, window));
            Thresholds defaults = new Thresholds(minFailures, minRecipes, window);
            upstreams.forEach((name, t) -> check(key + "upstreams." + name + ".", t.over(defaults)));
            if (probeBackoff.isEmpty() || probeBackoff.stream().anyMatch(d -> d == null || d.isNegative()
                    || d.isZero())) {
                throw new IllegalArgumentException(key + "probe-backoff must list positive durations, was "
                        + probeBackoff);
            }
            for (var d : new Object[][] {{"quiet-period", quietPeriod}, {"max-duration", maxDuration},
                    {"sweep-interval", sweepInterval}}) {
                Duration v = (Duration) d[1];
                if (v == null || v.isNegative() || v.isZero()) {
                    throw new IllegalArgumentException(key + d[0] + " must be positive, was " + v);
                }
            }
            probeBackoff = List.copyOf(probeBackoff);
            upstreams = Map.copyOf(upstreams);
        }

        private static void check(String key, Thresholds t) {
            if (t.minFailures() < 2 || t.minFailures() > 100_000) {
                throw new IllegalArgumentException(key + "min-failures must be between 2 and 100000, was "
                        + t.minFailures());
            }
            if (t.minRecipes() < 1 || t.minRecipes() > t.minFailures()) {
                throw new IllegalArgumentException(key + "min-recipes must be between 1 and min-failures ("
                        + t.minFailures() + "), was " + t.minRecipes());
            }
            if (t.window() == null || t.window().isNegative() || t.window().isZero()) {
                throw new IllegalArgumentException(key + "window must be positive, was " + t.window());
            }
        }

        /** The thresholds for {@code upstream}: its own, else the defaults. */
        public Thresholds thresholdsOf(String upstream) {
            Thresholds defaults = new Thresholds(minFailures, minRecipes, window);
            Thresholds own = upstream == null ? null : upstreams.get(upstream);
            return own != null ? own.over(defaults) : defaults;
        }

        /** The wait before probe number {@code probe} (1 = the first). */
        public Duration backoff(int probe) {
            return probeBackoff.get(Math.min(Math.max(probe, 1), probeBackoff.size()) - 1);
        }

        public static Outages defaults() {
            return new Outages(true, 5, 2, Duration.ofMinutes(5), List.of(Duration.ofMinutes(2),
                    Duration.ofMinutes(5), Duration.ofMinutes(10), Duration.ofMinutes(15)), Duration.ofMinutes(15),
                    Duration.ofHours(24), AfterMaxDuration.HOLD, Duration.ofSeconds(15), Map.of());
        }
    }

    /** An upstream's own thresholds; what it leaves out is the default's. */
    public record Thresholds(Integer minFailures, Integer minRecipes, Duration window) {

        Thresholds over(Thresholds defaults) {
            return new Thresholds(minFailures != null ? minFailures : defaults.minFailures,
                    minRecipes != null ? minRecipes : defaults.minRecipes, window != null ? window : defaults.window);
        }
    }

    public enum AfterMaxDuration { HOLD, EXHAUST }

    /**
     * @param category   the category this rule assigns
     * @param errorType  regex on Workato's {@code error_type_id} (whole match)
     * @param httpStatus HTTP statuses of the failed step
     * @param message    regex found anywhere in the error message
     */
    public record CategoryRule(String category, String errorType, List<Integer> httpStatus, String message) {
    }

    /**
     * @param defaults   the policy of everything
     * @param categories per category, over the defaults
     * @param overrides  per recipe id, folder id or recipe-name pattern, over the category's policy
     */
    public record Policies(@DefaultValue PolicySpec defaults, @DefaultValue Map<String, PolicySpec> categories,
                           @DefaultValue List<Override> overrides) {
    }

    /**
     * An override applies to a recipe when exactly one of {@code recipeIds},
     * {@code folderIds} or {@code recipeName} (a regex on the whole name) is given
     * and matches, and, when {@code categories} is given, the incident's category
     * is one of them.
     */
    public record Override(List<Long> recipeIds, List<Long> folderIds, String recipeName, List<String> categories,
                           PolicySpec policy) {
    }

    /**
     * A retry policy in Temporal's words; any null field comes from the less specific level.
     *
     * @param retryable    whether incidents are repeated at all
     * @param maxAttempts  maximum number of repeats
     * @param initialDelay delay before the first repeat
     * @param multiplier   growth of the delay per attempt
     * @param maxDelay     cap of the delay
     * @param jitter       extra random share (0..1) added to each delay, still capped
     * @param severity     severity of the alerts
     * @param notifyOps    when the ops channel is told
     * @param escalate     whether an exhausted or non-retryable incident also goes to the super admin
     * @param afterSuppression what happens to a failure kept during a maintenance window when it ends
     */
    public record PolicySpec(Boolean retryable, Integer maxAttempts, Duration initialDelay, Double multiplier,
                             Duration maxDelay, Double jitter, Severity severity, NotifyWhen notifyOps,
                             Boolean escalate, AfterSuppression afterSuppression) {
    }

    /** What happens to a failure of a suppressed recipe when its maintenance window ends. */
    public enum AfterSuppression {
        /** attempt 1 is scheduled as if the failure had just happened (still only if the policy repeats it) */
        SCHEDULE,
        /** nothing is repeated; ops are told (as not retried) and may replay it */
        ANNOUNCE
    }

    /** When the ops channel hears about an incident. */
    public enum NotifyWhen {
        /** the first failure, every failed attempt, and the end */
        EACH_ATTEMPT,
        /** the first failure and the end (recovered, exhausted) */
        FIRST_AND_FINAL,
        /** only when it ends without recovery (exhausted, non-retryable) */
        FINAL_ONLY,
        /** never (the super admin is still told when escalate is on) */
        NEVER
    }
}
