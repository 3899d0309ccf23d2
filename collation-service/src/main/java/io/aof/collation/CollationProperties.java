package io.aof.collation;

import io.aof.collation.poll.SweepLease;
import jakarta.validation.constraints.Min;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code aof.collation.*}.
 *
 * @param pollInterval      pause between two sweeps of the workspace
 * @param initialLookback   on first sight of a recipe, failed jobs this recent are collected; older ones are not
 * @param maxPagesPerRecipe cap on job-list pages read for one recipe in one sweep
 * @param maxDetailReadsPerRecipe cap on job-detail reads (one per failed job that is not a repeat) for one recipe
 *                          in one sweep; the rest is read next sweep, from where this one stopped, so a storm in
 *                          one recipe does not use the whole read budget
 * @param readConcurrency   how many job-detail reads are in flight at once (a sweep's details of a page, a
 *                          webhook verification run's jobs), each within the shared read budget: Workato answers
 *                          in tens to hundreds of milliseconds, so reads one after another reach a few a second
 * @param calledRootMaxWait a failed called job whose workflow root still runs is kept (read again next sweep) until
 *                          the root ends, at most this long after the called job ended; then it is published not
 *                          repeatable (a stuck root must not hold its recipe's collection forever)
 * @param strategy          DELTA (default) or NAIVE polling
 * @param statsInterval     how often recipe stats snapshots are published (for the periodic report)
 * @param watch             which recipes are watched
 * @param webhook           the webhook intake
 * @param leader            which of several collation instances sweeps (the others stand by)
 */
@Validated
@ConfigurationProperties("aof.collation")
public record CollationProperties(
        @DefaultValue("30s") Duration pollInterval,
        @DefaultValue("1h") Duration initialLookback,
        @Min(1) @DefaultValue("10") int maxPagesPerRecipe,
        @Min(1) @DefaultValue("20") int maxDetailReadsPerRecipe,
        @Min(1) @DefaultValue("4") int readConcurrency,
        @DefaultValue("2h") Duration calledRootMaxWait,
        @DefaultValue("15m") Duration statsInterval,
        @DefaultValue("DELTA") Strategy strategy,
        @DefaultValue Watch watch,
        @DefaultValue Webhook webhook,
        @DefaultValue Leader leader) {

    /**
     * One collation instance sweeps at a time: the holder of the {@code sweep_lease}
     * (see {@link SweepLease}).
     *
     * @param lease         how long the lease lasts unless renewed: an instance killed outright is replaced after
     *                      at most this plus {@code renewInterval}
     * @param renewInterval how often the holder renews and the others try to take the lease (a stopped holder
     *                      releases it: replaced within this)
     * @param checkInterval how often the holder looks whether its next sweep is due ({@code poll-interval} after
     *                      the last sweep of any holder ended)
     */
    public record Leader(@DefaultValue("20s") Duration lease, @DefaultValue("5s") Duration renewInterval,
                         @DefaultValue("1s") Duration checkInterval) {
        public Leader {
            if (renewInterval.isNegative() || renewInterval.isZero() || lease.compareTo(renewInterval.multipliedBy(2))
                    < 0) {
                throw new IllegalArgumentException("aof.collation.leader.lease (" + lease + ") must be at least twice "
                        + "aof.collation.leader.renew-interval (" + renewInterval + "), which must be positive");
            }
        }
    }

    public CollationProperties {
        if (calledRootMaxWait.isNegative() || calledRootMaxWait.isZero()) {
            throw new IllegalArgumentException("aof.collation.called-root-max-wait (" + calledRootMaxWait
                    + ") must be positive");
        }
    }

    /**
     * DELTA lists a recipe's failed jobs only when its {@code job_failed_count}
     * moved; NAIVE lists every watched recipe's failed jobs on every sweep (what
     * a recipe-based framework does; kept for the benchmark's baseline).
     */
    public enum Strategy { DELTA, NAIVE }

    /**
     * Which recipes are watched. With no include given, all of them. A recipe is
     * watched when it is in one of {@code folderIds} (with subfolders), or among
     * {@code recipeIds}, or its whole name matches one of {@code namePatterns};
     * the excludes always win. Re-evaluated on every sweep, so new recipes are
     * picked up.
     */
    public record Watch(@DefaultValue List<Long> folderIds, @DefaultValue List<Long> recipeIds,
                        @DefaultValue List<String> namePatterns, @DefaultValue List<Long> excludeRecipeIds,
                        @DefaultValue List<String> excludeNamePatterns) {
    }

    /**
     * The webhook intake. A request is authenticated by a bearer token or by an
     * HMAC-SHA256 signature, each belonging to one named source (a Workato
     * workspace or team); with no credential configured the intake answers 503.
     * Every token and key is a secret: {@link #toString()} never shows one.
     *
     * <p>The single legacy {@code token} / {@code hmacSecret} still work: they make
     * a source named {@value #LEGACY_SOURCE} (with the per-minute budget
     * {@code perSourcePerMinute}). A source may hold several tokens and keys at
     * once, so that a rotation has no gap: add the new one, move the recipes, remove
     * the old one.
     *
     * @param token            the legacy bearer token (source {@value #LEGACY_SOURCE})
     * @param hmacSecret       the legacy key of
     *                         {@code X-AOF-Signature: sha256=hex(hmac(secret, timestamp + "." + body))}
     *                         (source {@value #LEGACY_SOURCE})
     * @param sources          named sources, each with its own credentials and per-minute budget
     * @param maxSignatureAge  signed requests older than this (by {@code X-AOF-Timestamp}) are refused as replays
     * @param maxBodyBytes     larger bodies are refused with 413
     * @param perSourcePerMinute requests a minute one source may send before it gets 429 (a source's own
     *                         {@code per-minute} wins)
     * @param refusedPerAddressPerMinute requests with wrong or missing credentials one client address may send in a
     *                         minute; beyond it that address gets 429 and its signed requests are not verified (no
     *                         HMAC is computed for it) until the minute is over; its bearer tokens are still checked
     *                         (cheap), so a source behind the same shared address keeps working with a token
     * @param verifyDelay      an accepted failure is first read from Workato this long after it arrived, and
     *                         again this often while Workato cannot say (the job still runs, Workato unreachable);
     *                         a poll that collects the job meanwhile verifies it without a read
     * @param verifyTimeout    a failure Workato did not answer for this long after it arrived is published as an
     *                         incident that is never repeated (it may be a real failure), logged as an error,
     *                         counted, and alerted once per verify-timeout period; a mismatch Workato answered
     *                         is refused
     * @param verifyBatch      at most this many pending failures are read from Workato in one verification run
     * @param verifyClaim      a verification run claims the failures it reads for this long, so that another
     *                         collation instance does not read them too, and reads only within it (the rest is
     *                         released for the next run); a run that dies (kill -9) leaves them to the others, or
     *                         to itself restarted, after it: keep it short
     * @param maxBatchItems    a batch (a JSON array of failures) holds at most this many; more is refused with 400
     * @param maxBatchBodyBytes a batch's body may be at most this large (413); a single failure's stays
     *                         {@code maxBodyBytes}
     */
    public record Webhook(@DefaultValue("") String token,
                          @DefaultValue("") String hmacSecret,
                          @DefaultValue List<Source> sources,
                          @DefaultValue("5m") Duration maxSignatureAge,
                          @DefaultValue("65536") int maxBodyBytes,
                          @DefaultValue("600") int perSourcePerMinute,
                          @DefaultValue("600") int refusedPerAddressPerMinute,
                          @DefaultValue("10s") Duration verifyDelay,
                          @DefaultValue("30m") Duration verifyTimeout,
                          @Min(1) @DefaultValue("20") int verifyBatch,
                          @DefaultValue("30s") Duration verifyClaim,
                          @Min(1) @DefaultValue("500") int maxBatchItems,
                          @DefaultValue("4194304") int maxBatchBodyBytes) {

        /** The name of the source the legacy {@code token} and {@code hmac-secret} make. */
        public static final String LEGACY_SOURCE = "default";
        /** Not a source's name: the {@code source} tag of requests no source authenticated. */
        public static final String RESERVED_NAME = "none";
        static final String PREFIX = "aof.collation.webhook.";
        static final java.util.regex.Pattern NAME = java.util.regex.Pattern.compile("[a-z0-9][a-z0-9_-]{0,62}");

        public Webhook {
            token = token == null ? "" : token.strip();
            hmacSecret = hmacSecret == null ? "" : hmacSecret.strip();
            sources = sources == null ? List.of() : List.copyOf(sources);
            if (verifyDelay.isNegative() || verifyTimeout.compareTo(verifyDelay) <= 0) {
                throw new IllegalArgumentException(PREFIX + "verify-timeout (" + verifyTimeout
                        + ") must be longer than " + PREFIX + "verify-delay (" + verifyDelay
                        + "), which must not be negative");
            }
            if (verifyClaim.compareTo(Duration.ofSeconds(1)) < 0) {
                throw new IllegalArgumentException(PREFIX + "verify-claim (" + verifyClaim
                        + ") must be at least 1s: a run reads only within its claim");
            }
            if (maxBatchBodyBytes < maxBodyBytes) {
                throw new IllegalArgumentException(PREFIX + "max-batch-body-bytes (" + maxBatchBodyBytes
                        + ") must be at least " + PREFIX + "max-body-bytes (" + maxBodyBytes + ")");
            }
            if (perSourcePerMinute < 1) {
                throw new IllegalArgumentException(PREFIX + "per-source-per-minute (" + perSourcePerMinute
                        + ") must be at least 1");
            }
            if (refusedPerAddressPerMinute < 1) {
                throw new IllegalArgumentException(PREFIX + "refused-per-address-per-minute ("
                        + refusedPerAddressPerMinute + ") must be at least 1");
            }
            validate(token, hmacSecret, sources);
        }

        /**
         * Names valid and unique, at least one credential each, and no credential in
         * two sources (a request it authenticates would belong to either). Messages
         * name the properties, never a value of a credential.
         */
        private static void validate(String token, String hmacSecret, List<Source> sources) {
            boolean legacy = !token.isEmpty() || !hmacSecret.isEmpty();
            Map<String, String> names = new HashMap<>();
            if (legacy) {
                names.put(LEGACY_SOURCE, PREFIX + "token / " + PREFIX + "hmac-secret");
            }
            // credential -> the property that holds it first (the value itself is never printed)
            Map<String, String> owners = new HashMap<>();
            Map<String, String> ownerSource = new HashMap<>();
            if (!token.isEmpty()) {
                owners.put(token, PREFIX + "token");
                ownerSource.put(token, LEGACY_SOURCE);
            }
            if (!hmacSecret.isEmpty()) {
                owners.putIfAbsent(hmacSecret, PREFIX + "hmac-secret");
                ownerSource.putIfAbsent(hmacSecret, LEGACY_SOURCE);
            }
            for (int n = 0; n < sources.size(); n++) {
                Source s = sources.get(n);
                String at = PREFIX + "sources[" + n + "]";
                if (s == null) {
                    throw new IllegalArgumentException(at + " is empty: give it a name and a token or hmac-secret");
                }
                if (s.name() == null || s.name().isBlank()) {
                    throw new IllegalArgumentException(at + ".name is required (" + NAME.pattern() + ")");
                }
                if (!NAME.matcher(s.name()).matches()) {
                    throw new IllegalArgumentException(at + ".name ('" + printable(s.name()) + "') must match "
                            + NAME.pattern() + ": lower-case letters, digits, '-' and '_', at most 63 characters");
                }
                if (s.name().equals(RESERVED_NAME)) {
                    throw new IllegalArgumentException(at + ".name ('" + RESERVED_NAME + "') is reserved: it tags "
                            + "the requests no source authenticated in aof.webhook.requests");
                }
                String earlier = names.putIfAbsent(s.name(), at + ".name");
                if (earlier != null) {
                    throw new IllegalArgumentException(at + ".name ('" + s.name() + "') is already the name of "
                            + earlier + (earlier.contains("hmac-secret") ? " (the legacy credentials make a source "
                            + "named '" + LEGACY_SOURCE + "')" : "") + ": source names must be unique");
                }
                if (s.tokens().isEmpty() && s.hmacSecrets().isEmpty()) {
                    throw new IllegalArgumentException(at + " ('" + s.name() + "') has no credential: give it "
                            + at + ".tokens[0] or " + at + ".hmac-secrets[0] (a blank entry does not count)");
                }
                if (s.perMinute() != null && s.perMinute() < 1) {
                    throw new IllegalArgumentException(at + ".per-minute (" + s.perMinute() + ") must be at least 1");
                }
                List<String> props = new ArrayList<>();
                List<String> values = new ArrayList<>();
                for (int i = 0; i < s.tokens().size(); i++) {
                    props.add(at + ".tokens[" + i + "]");
                    values.add(s.tokens().get(i));
                }
                for (int i = 0; i < s.hmacSecrets().size(); i++) {
                    props.add(at + ".hmac-secrets[" + i + "]");
                    values.add(s.hmacSecrets().get(i));
                }
                Map<String, String> own = new HashMap<>();
                for (int i = 0; i < values.size(); i++) {
                    String v = values.get(i);
                    String other = ownerSource.get(v);
                    if (other != null && !other.equals(s.name())) {
                        throw new IllegalArgumentException(props.get(i) + " holds the same credential as "
                                + owners.get(v) + " (source '" + other + "'): a token or HMAC secret must belong to "
                                + "one source only, or a request it authenticates would be counted and named as "
                                + "either");
                    }
                    own.putIfAbsent(v, props.get(i));
                }
                own.forEach((v, prop) -> {
                    owners.putIfAbsent(v, prop);
                    ownerSource.putIfAbsent(v, s.name());
                });
            }
        }

        private static String printable(String name) {
            String cut = name.length() > 70 ? name.substring(0, 70) + "..." : name;
            return cut.replaceAll("\\p{Cntrl}", "?");
        }

        /**
         * Every source: the configured ones, and {@value #LEGACY_SOURCE} when the
         * legacy token or secret is set. Empty: the intake is off (503).
         */
        public List<Source> effectiveSources() {
            List<Source> all = new ArrayList<>();
            if (!token.isEmpty() || !hmacSecret.isEmpty()) {
                all.add(new Source(LEGACY_SOURCE, token.isEmpty() ? List.of() : List.of(token),
                        hmacSecret.isEmpty() ? List.of() : List.of(hmacSecret), perSourcePerMinute));
            }
            all.addAll(sources);
            return all;
        }

        /** A source's budget: its own {@code per-minute}, else {@code per-source-per-minute}. */
        public int perMinuteOf(Source source) {
            return source.perMinute() != null ? source.perMinute() : perSourcePerMinute;
        }

        @Override
        public String toString() {
            return "Webhook[token=" + (token.isEmpty() ? "<unset>" : "******") + ", hmacSecret="
                    + (hmacSecret.isEmpty() ? "<unset>" : "******") + ", sources=" + sources + ", maxSignatureAge="
                    + maxSignatureAge + ", maxBodyBytes=" + maxBodyBytes + ", perSourcePerMinute="
                    + perSourcePerMinute + ", refusedPerAddressPerMinute=" + refusedPerAddressPerMinute
                    + ", verifyDelay=" + verifyDelay + ", verifyTimeout=" + verifyTimeout + ", verifyBatch="
                    + verifyBatch + ", maxBatchItems="
                    + maxBatchItems + ", maxBatchBodyBytes=" + maxBatchBodyBytes + "]";
        }
    }

    /**
     * One webhook source ({@code aof.collation.webhook.sources[n]}): a Workato
     * workspace or team with its own credentials and budget. Its name goes into
     * the incident ({@code webhookSource}), the log and the {@code source} tag of
     * {@code aof.webhook.requests}. Several tokens and keys may be valid at once
     * (a rotation); blank entries are ignored, so an unset
     * {@code ${VARIABLE:}} in a list adds nothing.
     *
     * @param name        {@code [a-z0-9][a-z0-9_-]{0,62}}, unique
     * @param tokens      bearer tokens ({@code Authorization: Bearer <token>})
     * @param hmacSecrets keys of {@code X-AOF-Signature}
     * @param perMinute   requests a minute before 429; unset: {@code per-source-per-minute}
     */
    public record Source(String name, @DefaultValue List<String> tokens, @DefaultValue List<String> hmacSecrets,
                         Integer perMinute) {

        public Source {
            tokens = nonBlank(tokens);
            hmacSecrets = nonBlank(hmacSecrets);
        }

        private static List<String> nonBlank(List<String> values) {
            return values == null ? List.of() : values.stream().filter(v -> v != null && !v.isBlank())
                    .map(String::strip).distinct().toList();
        }

        @Override
        public String toString() {
            return "Source[name=" + name + ", tokens=" + tokens.size() + " x ******, hmacSecrets="
                    + hmacSecrets.size() + " x ******, perMinute=" + (perMinute == null ? "<default>" : perMinute)
                    + "]";
        }
    }
}
