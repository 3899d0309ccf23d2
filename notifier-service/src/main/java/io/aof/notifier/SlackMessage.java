package io.aof.notifier;

import com.slack.api.model.block.LayoutBlock;
import io.aof.common.events.NotificationRequested;
import io.aof.common.report.JobReport;

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
 * excerpt. Everything that came from a job is escaped ({@code &}, {@code <},
 * {@code >}), so an error message can never mention {@code <!channel>}, a user,
 * or forge a link.
 */
record SlackMessage(String text, List<LayoutBlock> blocks) {

    private static final int ERROR_EXCERPT = 500;

    static SlackMessage of(NotificationRequested n, String workatoAppUrl) {
        if (n.kind() == NotificationRequested.Kind.REPORT) {
            return report(n.report(), workatoAppUrl);
        }
        String icon = switch (n.kind()) {
            case FIRST_FAILURE, ATTEMPT_FAILED -> ":warning:";
            case RECIPE_STOPPED -> ":octagonal_sign:";
            case NON_RETRYABLE -> ":no_entry:";
            case RECOVERED -> ":white_check_mark:";
            case EXHAUSTED -> ":rotating_light:";
            case REPORT -> ":bar_chart:";
        };
        String recipe = escape(n.recipeName() != null ? n.recipeName() : "recipe " + n.recipeId());
        String recipeUrl = workatoAppUrl + "/recipes/" + n.recipeId();
        boolean hasJob = n.jobId() != null && !n.jobId().isBlank() && !"-".equals(n.jobId());
        String jobUrl = recipeUrl + "/job/" + n.jobId();
        String attempt = n.attempt() == null ? "-" : n.attempt() + " of " + n.maxAttempts();
        String text = icon + " " + escape(n.title()) + ": " + recipe + " (job " + escape(n.jobId()) + ", "
                + escape(n.category()) + ", attempt " + attempt + ")";

        List<LayoutBlock> blocks = new ArrayList<>();
        blocks.add(header(h -> h.text(plainText(icon + " " + n.title(), true))));
        blocks.add(section(s -> s.fields(List.of(
                markdownText("*Recipe*\n<" + recipeUrl + "|" + recipe + ">"),
                markdownText("*Job*\n" + (hasJob ? "<" + jobUrl + "|" + escape(n.jobId()) + ">" : "-")),
                markdownText("*Category*\n" + escape(n.category())),
                markdownText("*Attempt*\n" + attempt)))));
        if (n.error() != null && !n.error().isBlank()) {
            String excerpt = n.error().length() > ERROR_EXCERPT ? n.error().substring(0, ERROR_EXCERPT) + "..."
                    : n.error();
            blocks.add(section(s -> s.text(markdownText("*Error*\n```" + escape(excerpt).replace("```", "'''")
                    + "```"))));
        }
        blocks.add(context(c -> c.elements(List.of(markdownText("Incident `" + escape(n.incidentId()) + "` · "
                + n.severity() + " · AOF")))));
        return new SlackMessage(text, blocks);
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
            if (r.recipes().size() > ReportFormat.SLACK_RECIPES) {
                lines.append("_and ").append(r.recipes().size() - ReportFormat.SLACK_RECIPES)
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
