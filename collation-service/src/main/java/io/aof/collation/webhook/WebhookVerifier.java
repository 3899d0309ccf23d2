package io.aof.collation.webhook;

import io.aof.collation.CollationProperties;
import io.aof.collation.triage.FailureTriage;
import io.aof.collation.webhook.WebhookPendingStore.Pending;
import io.aof.common.events.EventCodec;
import io.aof.common.events.JobFailed;
import io.aof.common.events.NotificationRequested;
import io.aof.common.events.Topics;
import io.aof.common.messaging.AofProperties;
import io.aof.common.messaging.Outbox;
import io.aof.common.workato.WorkatoApiException;
import io.aof.common.workato.WorkatoClient;
import io.aof.common.workato.WorkatoJob;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * Verifies webhook failures against Workato before they become incidents: the
 * webhook's token proves who sent it, not that the job failed, and an incident is
 * repeated. A failure waiting in {@code webhook_pending} is published (through
 * {@link FailureTriage}, like a polled one) only when Workato shows that job
 * failed in that recipe, with the master the webhook claims (a failed job with a
 * forged {@code master_job_id} would otherwise make AOF repeat the master); a
 * webhook that names no master for a repeat gets the master Workato names.
 *
 * <p>Reads are spent sparingly, within collation's read budget: a failure that a
 * poll collects meanwhile (the poll listed it as failed in that recipe) is verified
 * without a read; others are read once each ({@code GET /recipes/:id/jobs/:handle},
 * which also says {@code is_test} and the workflow root, which the failed-jobs
 * listing does not), at most {@code verify-batch} a run, {@code read-concurrency}
 * of them in flight at once. A job still running (the
 * On-error block of a job runs before the job ends) or a Workato that cannot be read
 * is asked again later; a mismatch Workato answered is refused, counted under
 * {@code aof.webhook.refused} by reason and logged; a failure Workato did not
 * answer for within {@code verify-timeout} is published not repeatable (an incident
 * that is alerted and never repeated), counted under
 * {@code aof.webhook.unverified.published}, logged as an error, and the super admin
 * is alerted ({@code AOF_TROUBLE}) once per {@code verify-timeout} period.
 */
@Component
public class WebhookVerifier {

    private static final Logger log = LoggerFactory.getLogger(WebhookVerifier.class);

    /** Reasons a webhook failure is refused (the {@code reason} tag of {@code aof.webhook.refused}). */
    static final List<String> REASONS = List.of("succeeded", "not_failed", "not_found", "other_recipe",
            "master_mismatch");

    private final WorkatoClient workato;
    private final FailureTriage triage;
    private final WebhookPendingStore store;
    private final TransactionTemplate tx;
    private final CollationProperties.Webhook props;
    private final MeterRegistry meters;
    private final Outbox outbox;
    private final String workspace;
    private final AtomicLong pending = new AtomicLong();
    private final java.time.Clock clock;
    /** The JVM's monotonic clock (tests pass their own): how long a run has read, against its claim. */
    private final LongSupplier nanoTime;

    @org.springframework.beans.factory.annotation.Autowired
    public WebhookVerifier(WorkatoClient workato, FailureTriage triage, WebhookPendingStore store,
            TransactionTemplate tx,
                    CollationProperties props, MeterRegistry meters, Outbox outbox, AofProperties aof,
                    java.time.Clock clock) {
        this(workato, triage, store, tx, props, meters, outbox, aof, clock, System::nanoTime);
    }

    public WebhookVerifier(WorkatoClient workato, FailureTriage triage, WebhookPendingStore store,
            TransactionTemplate tx,
                    CollationProperties props, MeterRegistry meters, Outbox outbox, AofProperties aof,
                    java.time.Clock clock, LongSupplier nanoTime) {
        this.clock = clock;
        this.nanoTime = nanoTime;
        this.outbox = outbox;
        this.workspace = aof.workspace();
        this.workato = workato;
        this.triage = triage;
        this.store = store;
        this.tx = tx;
        this.props = props.webhook();
        this.meters = meters;
        for (String reason : REASONS) {
            meters.counter("aof.webhook.refused", "reason", reason);
        }
        meters.counter("aof.webhook.verified", "by", "poll");
        meters.counter("aof.webhook.verified", "by", "read");
        meters.counter("aof.webhook.unverified.published");
        Gauge.builder("aof.webhook.pending", pending, AtomicLong::get)
                .description("webhook failures accepted and not yet verified against Workato").register(meters);
    }

    @Scheduled(fixedDelayString = "${aof.collation.webhook.verify-interval:1s}",
            initialDelayString = "${aof.collation.initial-delay:1s}")
    void scheduled() {
        try {
            verifyDue();
        } catch (RuntimeException e) {
            log.warn("Webhook verification run failed; it runs again: {}", e.toString());
        }
    }

    /** One run; returns how many pending failures were settled (verified or refused). */
    public int verifyDue() {
        return verifyDue(clock.instant());
    }

    /** One run at {@code now} (which alert period an unverified failure falls in). */
    public int verifyDue(java.time.Instant now) {
        int settled = 0;
        int byPoll = store.verifyCollectedByPoll();
        if (byPoll > 0) {
            meters.counter("aof.webhook.verified", "by", "poll").increment(byPoll);
            settled += byPoll;
        }
        List<Pending> expired = store.expired(props.verifyTimeout());
        settled += publishUnverified(expired, now);
        // claimed: another collation instance's run does not read them too; each row read is settled or given
        // its next check (later); rows this run does not get to are released; a run that dies leaves its rows to
        // the others once the claim has passed
        List<Pending> due = store.claimDue(props.verifyClaim(), props.verifyBatch());
        FailureTriage.Reads reads = triage.reads();
        java.util.Set<String> untouched = new java.util.LinkedHashSet<>();
        due.forEach(r -> untouched.add(r.jobId()));
        try {
            settled += verify(due, reads, untouched);
        } finally {
            // claimed and not read (Workato could not answer): due again at once, for whichever instance runs next
            store.unclaim(untouched);
        }
        pending.set(store.pendingCount());
        return settled;
    }

    /** Rows read, then settled together in one transaction: enough to make a commit cheap per row. */
    static final int CHUNK = 50;

    /** A read not made: the claim's time was up, or Workato could not answer an earlier read of the run. */
    private static final Object NOT_READ = new Object();

    private int verify(List<Pending> due, FailureTriage.Reads reads, java.util.Set<String> untouched) {
        int settled = 0;
        // start reads only within the claim (less a fifth for the last reads): what is left is released for the
        // next run, so no other instance reads a row while this run still holds it, and a run that dies holds
        // its rows for one short claim only
        long stopAt = nanoTime.getAsLong() + props.verifyClaim().toNanos() * 4 / 5;
        java.util.concurrent.atomic.AtomicBoolean paused = new java.util.concurrent.atomic.AtomicBoolean();
        for (int from = 0; from < due.size() && !paused.get(); from += CHUNK) {
            // a chunk: read-concurrency reads in flight at once, then its failed jobs settled in one transaction,
            // in the order the rows fell due
            List<Pending> chunk = due.subList(from, Math.min(due.size(), from + CHUNK));
            List<Object> answers = triage.readAll(chunk.stream().<java.util.function.Supplier<?>>map(row -> () -> {
                if (paused.get() || nanoTime.getAsLong() - stopAt >= 0) {
                    return NOT_READ;   // stays claimed-not-read: released at the end of the run
                }
                try {
                    return workato.getJob(row.recipeId(), row.jobId());
                } catch (WorkatoApiException e) {
                    if (!FailureTriage.isNotFound(e) && !paused.getAndSet(true)) {
                        // Workato cannot answer now: the reads not started yet wait, due next run
                        log.info("Webhook verification paused ({}): {}; it continues later", e.kind(),
                                e.getMessage());
                    }
                    return e;
                }
            }).toList());
            List<Verified> failed = new java.util.ArrayList<>();
            for (int i = 0; i < chunk.size(); i++) {
                Pending row = chunk.get(i);
                Object answer = answers.get(i);
                if (answer == NOT_READ) {
                    continue;
                }
                untouched.remove(row.jobId());
                if (answer instanceof WorkatoApiException e) {
                    if (FailureTriage.isNotFound(e)) {
                        settled += refuse(row, "not_found") ? 1 : 0;
                    } else {
                        later(row, "workato: " + e.kind());
                    }
                    continue;
                }
                try {
                    Checked c = check(row, (WorkatoJob) answer, reads);
                    if (c.verified() != null) {
                        failed.add(c.verified());
                    }
                    settled += c.refusedHere() ? 1 : 0;
                } catch (FailureTriage.RootStillRunning e) {
                    later(row, "root pending");   // only this one waits: Workato answers
                    log.debug("Webhook failure kept pending: {}", e.getMessage());
                } catch (WorkatoApiException e) {
                    later(row, "workato: " + e.kind());
                    paused.set(true);
                } catch (RuntimeException e) {
                    // this row only (a payload or an answer that cannot be used): the chunk's others are settled
                    later(row, "error: " + e.getClass().getSimpleName());
                    log.warn("Webhook failure of job {} could not be checked; it is read again later: {}",
                            row.jobId(), e.toString());
                }
            }
            settled += settleAll(failed);
            if (nanoTime.getAsLong() - stopAt >= 0) {
                break;
            }
        }
        return settled;
    }

    /** A pending failure Workato shows failed, with what to do with it. */
    private record Verified(Pending row, FailureTriage.Plan plan) {
    }

    /** What Workato's answer made of a pending failure: verified failed (with its plan), or refused here. */
    private record Checked(Verified verified, boolean refusedHere) {
        static final Checked NOT_YET = new Checked(null, false);
    }

    /**
     * What Workato's answer makes of a pending failure: refused, left for later (the job still runs), or
     * verified failed, with its plan (settled by {@link #settleAll}).
     */
    private Checked check(Pending row, WorkatoJob job, FailureTriage.Reads reads) {
        if (job.recipeId() != null && job.recipeId() != row.recipeId()) {
            return new Checked(null, refuse(row, "other_recipe"));
        }
        if (WorkatoJob.PENDING.equals(job.status())) {
            later(row, "pending");
            return Checked.NOT_YET;
        }
        if (WorkatoJob.SUCCEEDED.equals(job.status())) {
            return new Checked(null, refuse(row, "succeeded"));
        }
        if (!job.isFailed()) {
            return new Checked(null, refuse(row, "not_failed"));
        }
        String master = blankToNull(job.masterJobId());
        if (blankToNull(row.masterJobId()) != null && !Objects.equals(blankToNull(row.masterJobId()), master)) {
            return new Checked(null, refuse(row, "master_mismatch"));
        }
        // a repeat reported without its master belongs to the master's incident, as Workato says
        JobFailed failure = EventCodec.decode(Topics.JOB_FAILURES, row.payload()).withMaster(master)
                .withJobDetail(job);
        return new Checked(new Verified(row, triage.plan(failure, job, reads)), false);
    }

    /**
     * Settles verified failures in one transaction (each only if still PENDING: another instance may have settled
     * it meanwhile) and applies their plans; if that transaction fails, each on its own, so one that cannot be
     * stored fails alone. Returns how many were settled here.
     */
    private int settleAll(List<Verified> failed) {
        if (failed.isEmpty()) {
            return 0;
        }
        int n;
        try {
            Integer done = tx.execute(status -> {
                int settled = 0;
                for (Verified v : failed) {
                    settled += settleOne(v) ? 1 : 0;
                }
                return settled;
            });
            n = done == null ? 0 : done;
        } catch (RuntimeException e) {
            log.info("Settling {} verified webhook failures together failed ({}); one by one", failed.size(),
                    e.toString());
            n = 0;
            for (Verified v : failed) {
                try {
                    n += Boolean.TRUE.equals(tx.execute(status -> settleOne(v))) ? 1 : 0;
                } catch (RuntimeException alone) {
                    later(v.row(), "could not be stored: " + alone.getClass().getSimpleName());
                    log.warn("Verified webhook failure of job {} could not be stored; it is read again later: {}",
                            v.row().jobId(), alone.toString());
                }
            }
        }
        if (n > 0) {
            meters.counter("aof.webhook.verified", "by", "read").increment(n);
        }
        return n;
    }

    private boolean settleOne(Verified v) {
        if (!store.settle(v.row().jobId(), WebhookPendingStore.State.VERIFIED, "failed in Workato")) {
            return false;   // settled by another instance meanwhile
        }
        triage.apply(v.plan());
        return true;
    }

    /**
     * Failures Workato did not answer for within {@code verify-timeout} (an outage,
     * a long shared Retry-After hold, a starved read budget, or a job still
     * running): nothing says they did not fail, so each is published as an incident
     * AOF never repeats ({@link JobFailed#notRepeatable}; NON_RETRYABLE, alerted),
     * never dropped. A master the webhook named was not verified either: the
     * incident is the job's own, so an unverified claim neither joins nor opens the
     * master's incident. The super admin gets one {@code AOF_TROUBLE} per
     * {@code verify-timeout} period: each run that publishes some asks once, in the
     * transaction of its first, under a trouble id of that period, and the notifier
     * sends a dedup key once per destination (several runs or instances, one alert).
     */
    private int publishUnverified(List<Pending> expired, java.time.Instant now) {
        if (expired.isEmpty()) {
            return 0;
        }
        String troubleId = "webhook-unverified:" + now.getEpochSecond()
                / Math.max(1, props.verifyTimeout().toSeconds());
        List<String> published = new java.util.ArrayList<>();
        for (Pending row : expired) {
            boolean alert = published.isEmpty();
            Boolean done = tx.execute(status -> {
                String seen = row.lastSeen() == null ? "never read" : row.lastSeen();
                if (!store.settle(row.jobId(), WebhookPendingStore.State.UNVERIFIED,
                        "published not repeatable (" + seen + ")")) {
                    return false;   // settled by another instance meanwhile
                }
                JobFailed r = EventCodec.decode(Topics.JOB_FAILURES, row.payload());
                String claimed = blankToNull(r.masterJobId());
                JobFailed failure = r.withMaster(null).notRepeatable("could not be verified with Workato within "
                        + props.verifyTimeout() + ": not repeated" + (claimed == null ? ""
                        : " (the webhook named master job " + claimed + ", not verified either)"));
                triage.publish(failure);
                if (alert) {
                    outbox.append(Topics.NOTIFICATION_REQUESTS, NotificationRequested.trouble(workspace,
                            troubleId, NotificationRequested.Kind.AOF_TROUBLE,
                            "Webhook failures could not be verified with Workato",
                            "AOF could not confirm in Workato within " + props.verifyTimeout() + " that job "
                                    + row.jobId() + " (recipe " + row.recipeId() + ") failed (" + seen + "). It is "
                                    + "published as an incident AOF will not repeat; others like it in the same "
                                    + props.verifyTimeout() + " period are published the same way without "
                                    + "another alert (count: aof.webhook.unverified.published). Check those jobs "
                                    + "in Workato and repeat them by hand if they failed."));
                }
                return true;
            });
            if (Boolean.TRUE.equals(done)) {
                published.add(row.jobId());
                meters.counter("aof.webhook.unverified.published").increment();
            }
        }
        if (!published.isEmpty()) {
            log.error("{} webhook failure(s) could not be verified with Workato within {}: published as incidents "
                    + "that are never repeated ({}{}); check them in Workato", published.size(),
                    props.verifyTimeout(), String.join(", ", published.subList(0, Math.min(10, published.size()))),
                    published.size() > 10 ? ", ..." : "");
        }
        return published.size();
    }

    private boolean refuse(Pending row, String reason) {
        if (!store.settle(row.jobId(), WebhookPendingStore.State.REFUSED, reason)) {
            return false;
        }
        meters.counter("aof.webhook.refused", "reason", reason).increment();
        log.warn("Webhook failure of job {} (recipe {}{}) from source {} refused after reading Workato: {}; no "
                + "incident, no repeat", row.jobId(), row.recipeId(), row.masterJobId() == null ? ""
                : ", master " + row.masterJobId(), sourceOf(row), describe(reason));
        return true;
    }

    /** The webhook source that sent the row's failure ("unknown" for a row stored before sources had names). */
    private static String sourceOf(Pending row) {
        try {
            String source = EventCodec.decode(Topics.JOB_FAILURES, row.payload()).webhookSource();
            return source == null ? "unknown" : source;
        } catch (RuntimeException e) {
            return "unknown";
        }
    }

    private void later(Pending row, String seen) {
        store.later(row.jobId(), seen, props.verifyDelay());
    }

    private static String describe(String reason) {
        return switch (reason) {
            case "succeeded" -> "the job succeeded";
            case "not_failed" -> "the job did not fail";
            case "not_found" -> "Workato has no such job in that recipe";
            case "other_recipe" -> "the job belongs to another recipe";
            case "master_mismatch" -> "the job's master in Workato is not the one the webhook named";
            default -> reason;
        };
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s;
    }
}
