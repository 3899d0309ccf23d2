package io.aof.notifier.delivery;

import com.slack.api.model.block.LayoutBlock;
import com.slack.api.model.block.composition.TextObject;
import io.aof.common.events.NotificationRequested;
import io.aof.common.report.JobReport;
import io.aof.notifier.grouping.Digest;
import io.aof.notifier.grouping.Storm;

import java.time.Instant;
import java.time.temporal.ChronoUnit;

import java.util.ArrayList;
import java.util.List;

import static com.slack.api.model.block.Blocks.context;
import static com.slack.api.model.block.Blocks.divider;
import static com.slack.api.model.block.Blocks.header;
import static com.slack.api.model.block.Blocks.section;
import static com.slack.api.model.block.composition.BlockCompositions.markdownText;
import static com.slack.api.model.block.composition.BlockCompositions.plainText;

/**
 * The Slack form of a notification: a plain-text fallback and Block Kit blocks
 * with the recipe and job (linked into Workato), category, attempt and an error
 * excerpt; an outage (no recipe, job or attempt) as its one-line summary and its
 * detail. Everything that came from a job is escaped ({@code &}, {@code <},
 * {@code >}), so an error message can never mention {@code <!channel>}, a user,
 * or forge a link.
 */
public record SlackMessage(String text, List<LayoutBlock> blocks) {

    private static final int ERROR_EXCERPT = 500;
    /** An outage's detail (its members, recipes, probes) is what people read: longer than an error excerpt. */
    private static final int DETAIL_EXCERPT = 2500;

    static SlackMessage of(NotificationRequested n, String workatoAppUrl) {
        if (n.kind() == NotificationRequested.Kind.REPORT) {
            return report(n.report(), workatoAppUrl);
        }
        if (n.kind() == NotificationRequested.Kind.AOF_TROUBLE && n.recipeId() == null) {
            return trouble(n);
        }
        if (n.kind().isOutage()) {
            return outage(n);
        }
        String icon = icon(n.kind());
        String recipe = escape(n.recipeName() != null ? n.recipeName() : "recipe " + n.recipeId());
        String attempt = attempt(n);
        String text = icon + " " + escape(n.title()) + ": " + recipe + " (job " + escape(n.jobId()) + ", "
                + escape(n.category()) + ", attempt " + attempt + ")";

        List<LayoutBlock> blocks = new ArrayList<>();
        blocks.add(header(h -> h.text(plainText(icon + " " + n.title(), true))));
        List<TextObject> fields = new ArrayList<>(List.of(
                markdownText("*Recipe*\n" + recipeLink(n, workatoAppUrl)),
                markdownText("*Job*\n" + jobLink(n, workatoAppUrl)),
                markdownText("*Category*\n" + escape(n.category())),
                markdownText("*Attempt*\n" + attempt)));
        if (n.nextRetryAt() != null) {
            fields.add(markdownText("*Next retry*\n" + date(n.nextRetryAt())));
        }
        blocks.add(section(s -> s.fields(fields)));
        error(n, blocks);
        blocks.add(context(c -> c.elements(List.of(markdownText("Incident `" + escape(n.incidentId()) + "` · "
                + n.severity() + " · AOF")))));
        return new SlackMessage(text, blocks);
    }

    /** AOF's own trouble (no recipe, no job): what it is and the detail, not empty recipe and job fields. */
    private static SlackMessage trouble(NotificationRequested n) {
        String icon = icon(n.kind());
        List<LayoutBlock> blocks = new ArrayList<>();
        blocks.add(header(h -> h.text(plainText(icon + " " + n.title(), true))));
        error(n, blocks);
        blocks.add(context(c -> c.elements(List.of(markdownText(n.severity() + " · AOF"
                + (n.incidentId() == null ? "" : " · `" + escape(n.incidentId()) + "`"))))));
        return new SlackMessage(icon + " " + escape(n.title()), blocks);
    }

    /**
     * An outage's message: its one-line summary (the title: the upstream, how many jobs and recipes, since when,
     * how it is probed), its detail, and as of when those figures are. An outage has no recipe, job or attempt,
     * and may have no category.
     */
    private static SlackMessage outage(NotificationRequested n) {
        String icon = icon(n.kind());
        List<LayoutBlock> blocks = new ArrayList<>();
        // a section, not a header: a header takes 150 characters, and the summary names the upstream and figures
        blocks.add(section(s -> s.text(markdownText(icon + " *" + escape(n.title()) + "*"))));
        detail(n, blocks);
        blocks.add(context(c -> c.elements(List.of(markdownText(outageContext(n))))));
        return new SlackMessage(icon + " " + escape(n.title()), blocks);
    }

    private static String outageContext(NotificationRequested n) {
        return "Outage `" + escape(n.incidentId()) + "`"
                + (n.category() == null || n.category().isBlank() ? "" : " · " + escape(n.category()))
                + " · " + n.severity() + " · as of " + date(n.occurredAt()) + " · AOF";
    }

    /** An outage's detail as text (it is AOF's own words with figures, not a job's error). */
    private static void detail(NotificationRequested n, List<LayoutBlock> blocks) {
        if (n.error() != null && !n.error().isBlank()) {
            String excerpt = n.error().length() > DETAIL_EXCERPT ? n.error().substring(0, DETAIL_EXCERPT) + "..."
                    : n.error();
            blocks.add(section(s -> s.text(markdownText(escape(excerpt)))));
        }
    }

    /** A later event of an incident, as a reply in its thread. */
    static SlackMessage reply(NotificationRequested n) {
        String icon = icon(n.kind());
        if (n.kind().isOutage()) {
            // the outage's end (or an escalation's reminder): what it says, and its detail
            List<LayoutBlock> blocks = new ArrayList<>();
            blocks.add(section(s -> s.text(markdownText(icon + " *" + escape(n.title()) + "*"))));
            detail(n, blocks);
            return new SlackMessage(icon + " " + escape(n.title()), blocks);
        }
        StringBuilder line = new StringBuilder(icon + " *" + escape(n.title()) + "*");
        if (n.attempt() != null) {
            line.append(" · attempt ").append(attempt(n));
        }
        if (n.nextRetryAt() != null) {
            line.append(" · next retry ").append(date(n.nextRetryAt()));
        }
        List<LayoutBlock> blocks = new ArrayList<>();
        blocks.add(section(s -> s.text(markdownText(line.toString()))));
        error(n, blocks);
        return new SlackMessage(icon + " " + escape(n.title()) + " (job " + escape(n.jobId()) + ", attempt "
                + attempt(n) + ")", blocks);
    }

    /** The thread's first message as it reads once the incident ended: its outcome on top. */
    static SlackMessage closedParent(NotificationRequested parent, NotificationRequested closing,
                                     String workatoAppUrl) {
        SlackMessage original = of(parent, workatoAppUrl);
        String outcome = icon(closing.kind()) + " *" + escape(closing.title()) + "*"
                + (closing.attempt() != null ? " after attempt " + attempt(closing) : "")
                + " · " + date(closing.occurredAt());
        List<LayoutBlock> blocks = new ArrayList<>(original.blocks());
        blocks.add(1, section(s -> s.text(markdownText(outcome))));
        return new SlackMessage(icon(closing.kind()) + " " + escape(closing.title()) + " · " + original.text(),
                blocks);
    }

    /** Many alerts of one recipe and category in one message; the full list is linked. */
    static SlackMessage digest(Digest d, String workatoAppUrl) {
        String recipe = escape(ReportFormat.recipeName(d.recipeId() == null ? 0 : d.recipeId(), d.recipeName()));
        String title = d.reminder()
                ? ":hourglass: " + d.incidents().size() + " incident(s) still open: " + recipe + " · "
                + escape(d.category())
                : ":warning: " + d.alerts() + " more alert(s) for " + d.incidents().size() + " incident(s): "
                + recipe + " · " + escape(d.category());
        List<LayoutBlock> blocks = new ArrayList<>();
        blocks.add(section(s -> s.text(markdownText("*" + title + "*\n<" + workatoAppUrl + "/recipes/"
                + d.recipeId() + "|Open the recipe in Workato> · since " + date(d.from())))));
        if (!d.byKind().isEmpty()) {
            StringBuilder kinds = new StringBuilder();
            d.byKind().forEach((k, v) -> kinds.append("`").append(k).append("` ").append(v).append("   "));
            blocks.add(context(c -> c.elements(List.of(markdownText(kinds.toString().trim())))));
        }
        StringBuilder list = new StringBuilder();
        d.incidents().stream().limit(Digest.LISTED).forEach(i -> list.append("• `").append(escape(i.incidentId()))
                .append("` ").append(i.kind()).append(i.attempt() == null ? "" : " (attempt " + i.attempt() + ")")
                .append('\n'));
        if (d.incidents().size() > Digest.LISTED) {
            list.append("_and ").append(d.incidents().size() - Digest.LISTED).append(" more_\n");
        }
        if (list.length() > 0) {
            blocks.add(section(s -> s.text(markdownText(list.toString().trim()))));
        }
        blocks.add(context(c -> c.elements(List.of(markdownText("All incidents of this digest: <" + d.url() + "|"
                + escape(d.url()) + ">")))));
        return new SlackMessage(title, blocks);
    }

    /**
     * A signature storm's first message, with its figures as of now: what the failures share, how many jobs and
     * recipes, since when, the kinds, the busiest recipes, an example error, and the link to every incident. Once
     * the storm ended, that is said on top.
     */
    static SlackMessage storm(Storm s) {
        String headline = stormHeadline(s);
        List<LayoutBlock> blocks = new ArrayList<>();
        blocks.add(section(b -> b.text(markdownText(":cyclone: *" + headline + "*"))));
        if (s.ended()) {
            blocks.add(section(b -> b.text(markdownText(":white_check_mark: *Storm over* · quiet since "
                    + date(s.lastAlertAt()) + " · ended " + date(s.endedAt())))));
        }
        StringBuilder figures = new StringBuilder();
        s.byKind().forEach((k, v) -> figures.append("`").append(k).append("` ").append(number(v)).append("   "));
        figures.append("· ").append(number(s.alerts())).append(" alert(s)");
        blocks.add(context(c -> c.elements(List.of(markdownText(figures.toString().trim())))));
        if (!s.topRecipes().isEmpty()) {
            StringBuilder recipes = new StringBuilder("*Recipes, busiest first*\n");
            s.topRecipes().forEach(r -> recipes.append("• ").append(escape(ReportFormat.recipeName(
                    r.recipeId() == null ? 0 : r.recipeId(), r.recipeName()))).append(": ").append(number(r.jobs()))
                    .append(" job(s)\n"));
            if (s.recipes() > s.topRecipes().size()) {
                recipes.append("_and ").append(number(s.recipes() - s.topRecipes().size())).append(" more_");
            }
            blocks.add(section(b -> b.text(markdownText(recipes.toString().trim()))));
        }
        if (s.sampleError() != null && !s.sampleError().isBlank()) {
            String excerpt = s.sampleError().length() > ERROR_EXCERPT ? s.sampleError().substring(0, ERROR_EXCERPT)
                    + "..." : s.sampleError();
            blocks.add(section(b -> b.text(markdownText("*Example error*\n```"
                    + escape(excerpt).replace("```", "'''") + "```"))));
        }
        blocks.add(context(c -> c.elements(List.of(markdownText("Every incident: <" + s.url() + "|" + escape(s.url())
                + ">" + (s.toldBefore() > 0 ? " · " + number(s.toldBefore()) + " told on their own before the storm "
                + "was recognised" : "") + " · Storm `" + s.id() + "` · as of " + date(s.asOf()) + " · AOF")))));
        String text = ":cyclone: " + headline;
        return new SlackMessage(s.ended() ? ":white_check_mark: Storm over · " + text : text, blocks);
    }

    /** The reply that closes a storm's thread: its final figures and the link to every incident. */
    static SlackMessage stormEnded(Storm s) {
        String figures = ": '" + escape(s.text()) + "' (" + escape(category(s)) + "): " + number(s.jobs())
                + " jobs, " + number(s.recipes()) + " recipes, from " + date(s.since()) + " to "
                + date(s.lastAlertAt());
        List<LayoutBlock> blocks = new ArrayList<>();
        blocks.add(section(b -> b.text(markdownText(":white_check_mark: *Storm over*" + figures))));
        blocks.add(context(c -> c.elements(List.of(markdownText("Every incident: <" + s.url() + "|"
                + escape(s.url()) + ">")))));
        return new SlackMessage(":white_check_mark: Storm over" + figures, blocks);
    }

    /**
     * A follow-up in a storm's thread: later alerts of its incidents (after it ended, or escalation reminders) in
     * one reply, or a reminder of its incidents still open; the first {@link Digest#LISTED} named, all linked.
     */
    static SlackMessage stormFollowUp(Storm s, Digest d) {
        String title = d.reminder()
                ? ":hourglass: " + number(d.incidents().size()) + " incident(s) of this storm still open"
                : ":warning: " + number(d.alerts()) + " more alert(s) for " + number(d.incidents().size())
                + " incident(s) of this storm";
        List<LayoutBlock> blocks = new ArrayList<>();
        blocks.add(section(b -> b.text(markdownText("*" + title + "* · since " + date(d.from())))));
        if (!d.byKind().isEmpty()) {
            StringBuilder kinds = new StringBuilder();
            d.byKind().forEach((k, v) -> kinds.append("`").append(k).append("` ").append(number(v)).append("   "));
            blocks.add(context(c -> c.elements(List.of(markdownText(kinds.toString().trim())))));
        }
        StringBuilder list = new StringBuilder();
        d.incidents().stream().limit(Digest.LISTED).forEach(i -> list.append("• `").append(escape(i.incidentId()))
                .append("` ").append(i.kind()).append(i.attempt() == null ? "" : " (attempt " + i.attempt() + ")")
                .append('\n'));
        if (d.incidents().size() > Digest.LISTED) {
            list.append("_and ").append(number(d.incidents().size() - Digest.LISTED)).append(" more_\n");
        }
        if (list.length() > 0) {
            blocks.add(section(b -> b.text(markdownText(list.toString().trim()))));
        }
        blocks.add(context(c -> c.elements(List.of(markdownText("These incidents: <" + d.url() + "|"
                + escape(d.url()) + "> · every incident of the storm: <" + s.url() + "|" + escape(s.url()) + ">")))));
        return new SlackMessage(title, blocks);
    }

    /** A storm's message as one line of text (a Teams card). */
    static String stormText(Storm.Message m) {
        return switch (m.kind()) {
            case STORM_STARTED, STORM_UPDATED -> storm(m.storm()).text() + " — every incident: " + m.storm().url();
            case STORM_ENDED -> stormEnded(m.storm()).text() + " — every incident: " + m.storm().url();
            case STORM_FOLLOWUP -> stormFollowUp(m.storm(), m.followUp()).text() + " — " + m.followUp().url();
        };
    }

    /** "Storm: 'what they share' (CATEGORY): 9,431 jobs, 20 recipes, since ..." (escaped). */
    static String stormHeadline(Storm s) {
        return "Storm: '" + escape(s.text()) + "' (" + escape(category(s)) + "): " + number(s.jobs()) + " jobs, "
                + number(s.recipes()) + " recipes, since " + date(s.since());
    }

    private static String category(Storm s) {
        return s.category() == null || s.category().isBlank() ? "no category" : s.category();
    }

    /** 9431 as 9,431. */
    public static String number(long n) {
        return String.format(java.util.Locale.US, "%,d", n);
    }

    private static void error(NotificationRequested n, List<LayoutBlock> blocks) {
        if (n.error() != null && !n.error().isBlank()) {
            String excerpt = n.error().length() > ERROR_EXCERPT ? n.error().substring(0, ERROR_EXCERPT) + "..."
                    : n.error();
            blocks.add(section(s -> s.text(markdownText("*Error*\n```" + escape(excerpt).replace("```", "'''")
                    + "```"))));
        }
    }

    private static String icon(NotificationRequested.Kind kind) {
        return switch (kind) {
            case FIRST_FAILURE, ATTEMPT_FAILED -> ":warning:";
            case RECIPE_STOPPED -> ":octagonal_sign:";
            case NON_RETRYABLE -> ":no_entry:";
            case RECOVERED -> ":white_check_mark:";
            case EXHAUSTED -> ":rotating_light:";
            case RESOLVED_MANUALLY -> ":heavy_check_mark:";
            case AOF_TROUBLE -> ":fire:";
            case REPORT -> ":bar_chart:";
            case OUTAGE_STARTED, OUTAGE_UPDATED -> ":red_circle:";
            case OUTAGE_ENDED -> ":large_green_circle:";
        };
    }

    private static String attempt(NotificationRequested n) {
        return n.attempt() == null ? "-" : n.attempt() + " of " + n.maxAttempts();
    }

    private static String recipeLink(NotificationRequested n, String workatoAppUrl) {
        if (n.recipeId() == null) {
            return escape(n.recipeName() != null ? n.recipeName() : "-");
        }
        String recipe = escape(n.recipeName() != null ? n.recipeName() : "recipe " + n.recipeId());
        return "<" + workatoAppUrl + "/recipes/" + n.recipeId() + "|" + recipe + ">";
    }

    private static String jobLink(NotificationRequested n, String workatoAppUrl) {
        boolean hasJob = n.recipeId() != null && n.jobId() != null && !n.jobId().isBlank() && !"-".equals(n.jobId());
        return hasJob ? "<" + workatoAppUrl + "/recipes/" + n.recipeId() + "/job/" + n.jobId() + "|"
                + escape(n.jobId()) + ">" : "-";
    }

    /** Slack shows the time in each reader's zone; the fallback text is UTC ISO-8601. */
    static String date(Instant t) {
        Instant s = t.truncatedTo(ChronoUnit.SECONDS);
        return "<!date^" + s.getEpochSecond() + "^{date_short_pretty} {time_secs}|" + s + ">";
    }

    /** The job report: totals, top categories, the worst recipes (linked), and those that got worse. */
    static SlackMessage report(JobReport r, String workatoAppUrl) {
        JobReport.Totals t = r.totals();
        String text = ":bar_chart: AOF job report (" + escape(r.schedule()) + "), " + ReportFormat.period(r) + ": "
                + t.incidentsOpened() + " incident(s) opened, " + t.recovered() + " recovered automatically, "
                + t.exhausted() + " exhausted, " + t.stillOpen() + " still open";
        List<LayoutBlock> blocks = new ArrayList<>();
        blocks.add(header(h -> h.text(plainText(":bar_chart: AOF job report (" + r.schedule() + ")", true))));
        blocks.add(context(c -> c.elements(List.of(markdownText("Workspace *" + escape(r.workspace()) + "* · "
                + ReportFormat.period(r))))));
        blocks.add(section(s -> s.fields(List.of(
                markdownText("*Jobs succeeded*\n" + t.jobsSucceeded()),
                markdownText("*Jobs failed*\n" + t.jobsFailed()),
                markdownText("*Incidents opened*\n" + t.incidentsOpened()),
                markdownText("*Recovered automatically*\n" + t.recovered()),
                markdownText("*Exhausted*\n" + t.exhausted()),
                markdownText("*Still open*\n" + t.stillOpen()),
                markdownText("*Not retryable / resolved by hand*\n" + t.nonRetryable() + " / "
                        + t.resolvedManually()),
                markdownText("*Time to recovery*\n" + ReportFormat.recovery(t.meanSecondsToRecovery(),
                        t.p95SecondsToRecovery()))))));
        if (!r.topCategories().isEmpty()) {
            StringBuilder c = new StringBuilder("*Top error categories*\n");
            r.topCategories().forEach(cc -> c.append("`").append(escape(cc.category())).append("` ")
                    .append(cc.incidents()).append("   "));
            blocks.add(section(s -> s.text(markdownText(c.toString().trim()))));
        }
        if (!r.recipes().isEmpty()) {
            blocks.add(divider());
            StringBuilder lines = new StringBuilder("*Recipes, worst first*\n");
            r.recipes().stream().limit(ReportFormat.SLACK_RECIPES).forEach(l -> lines.append("• ")
                    .append(link(workatoAppUrl, l.recipeId(), l.recipeName())).append(": ")
                    .append(ReportFormat.recipeFigures(l)).append('\n'));
            if (r.recipeCount() > ReportFormat.SLACK_RECIPES) {
                lines.append("_and ").append(r.recipeCount() - ReportFormat.SLACK_RECIPES)
                        .append(" more: GET /api/reports_");
            }
            blocks.add(section(s -> s.text(markdownText(lines.toString().trim()))));
        }
        if (!r.gotWorse().isEmpty()) {
            StringBuilder lines = new StringBuilder("*Got worse than the previous period*\n");
            r.gotWorse().stream().limit(ReportFormat.SLACK_RECIPES).forEach(w -> lines.append("• ")
                    .append(link(workatoAppUrl, w.recipeId(), w.recipeName())).append(": ")
                    .append(ReportFormat.worse(w)).append('\n'));
            blocks.add(section(s -> s.text(markdownText(lines.toString().trim()))));
        }
        return new SlackMessage(text, blocks);
    }

    private static String link(String workatoAppUrl, long recipeId, String name) {
        return "<" + workatoAppUrl + "/recipes/" + recipeId + "|" + escape(ReportFormat.recipeName(recipeId, name))
                + ">";
    }

    /** Slack's three control characters; after this, text cannot form a mention or a link. */
    static String escape(String s) {
        if (s == null) {
            return "";
        }
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }
}
