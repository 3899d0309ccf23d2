package io.aof.notifier.delivery;

import io.aof.common.events.NotificationRequested;
import io.aof.common.report.JobReport;
import io.aof.notifier.grouping.Digest;
import io.aof.notifier.grouping.Storm;
import org.springframework.web.util.HtmlUtils;

import java.util.List;

/**
 * The e-mail form of a notification: subject, a plain-text part and an HTML part
 * with the same content (an outage's: its summary and detail, no recipe or job).
 * Everything that came from a job or a recipe is HTML-escaped.
 */
record MailContent(String subject, String text, String html) {

    private static final int ERROR_EXCERPT = 2000;

    static MailContent of(NotificationRequested n, String workatoAppUrl) {
        if (n.kind().isOutage()) {
            return outage(n);
        }
        return n.kind() == NotificationRequested.Kind.REPORT ? report(n.report(), workatoAppUrl)
                : alert(n, workatoAppUrl);
    }

    /**
     * An outage's start or end (its updates are not e-mailed): the one-line summary as subject and heading, the
     * detail, the outage's id and category (when it has one). No recipe, job or attempt: an outage has none.
     */
    private static MailContent outage(NotificationRequested n) {
        String what = n.kind() == NotificationRequested.Kind.OUTAGE_ENDED ? "Outage over" : "Outage";
        String detail = n.error() == null ? "" : n.error().length() > ERROR_EXCERPT
                ? n.error().substring(0, ERROR_EXCERPT) + "..." : n.error();
        boolean category = n.category() != null && !n.category().isBlank();
        String subject = "[AOF " + n.severity() + "] " + what + ": " + n.title();
        String text = n.title() + "\n\n"
                + (detail.isEmpty() ? "" : detail + "\n\n")
                + "Outage:   " + n.incidentId() + "\n"
                + (category ? "Category: " + n.category() + "\n" : "")
                + "As of:    " + n.occurredAt() + "\n";
        String html = "<html><body style=\"font-family:sans-serif\"><h2>" + h(n.title()) + "</h2>"
                + (detail.isEmpty() ? "" : "<p style=\"white-space:pre-wrap\">" + h(detail) + "</p>")
                + "<table>" + row("Outage", "<code>" + h(n.incidentId()) + "</code>")
                + (category ? row("Category", h(n.category())) : "")
                + row("As of", h(String.valueOf(n.occurredAt())))
                + "</table></body></html>";
        return new MailContent(subject, text, html);
    }

    static MailContent digest(Digest d, String workatoAppUrl) {
        String recipe = ReportFormat.recipeName(d.recipeId() == null ? 0 : d.recipeId(), d.recipeName());
        String subject = d.reminder() ? "[AOF] " + d.incidents().size() + " incident(s) still open: " + recipe + " · "
                + d.category() : "[AOF] " + d.alerts() + " more alert(s) for " + d.incidents().size()
                + " incident(s): " + recipe + " · " + d.category();
        StringBuilder text = new StringBuilder(subject.substring(6)).append("\n\n");
        StringBuilder html = new StringBuilder("<html><body style=\"font-family:sans-serif\"><h2>")
                .append(h(subject.substring(6))).append("</h2><p><a href=\"")
                .append(h(workatoAppUrl + "/recipes/" + d.recipeId())).append("\">Open the recipe in Workato</a></p>");
        d.byKind().forEach((k, v) -> text.append(k).append(": ").append(v).append('\n'));
        html.append("<ul>");
        d.incidents().stream().limit(Digest.LISTED).forEach(i -> {
            String line = i.incidentId() + " " + i.kind() + (i.attempt() == null ? "" : " (attempt " + i.attempt()
                    + ")");
            text.append("  ").append(line).append('\n');
            html.append("<li><code>").append(h(line)).append("</code></li>");
        });
        html.append("</ul>");
        if (d.incidents().size() > Digest.LISTED) {
            text.append("  and ").append(d.incidents().size() - Digest.LISTED).append(" more\n");
            html.append("<p>and ").append(d.incidents().size() - Digest.LISTED).append(" more</p>");
        }
        text.append("\nAll incidents of this digest: ").append(d.url()).append('\n');
        html.append("<p>All incidents of this digest: <a href=\"").append(h(d.url())).append("\">")
                .append(h(d.url())).append("</a></p></body></html>");
        return new MailContent(subject, text.toString(), html.toString());
    }

    /**
     * A signature storm's start, end or follow-up (its edits are not mailed): what the failures share, the figures
     * when it is sent, the busiest recipes, an example error and the link to every incident; a follow-up as a digest.
     */
    static MailContent storm(Storm.Message m) {
        Storm s = m.storm();
        String category = s.category() == null || s.category().isBlank() ? "no category" : s.category();
        String headline = "Storm: '" + s.text() + "' (" + category + "): " + SlackMessage.number(s.jobs()) + " jobs, "
                + SlackMessage.number(s.recipes()) + " recipes, since " + s.since();
        StringBuilder text = new StringBuilder();
        StringBuilder html = new StringBuilder("<html><body style=\"font-family:sans-serif\">");
        String subject;
        if (m.kind() == Storm.Kind.STORM_FOLLOWUP) {
            Digest d = m.followUp();
            String title = d.reminder() ? d.incidents().size() + " incident(s) of this storm still open"
                    : d.alerts() + " more alert(s) for " + d.incidents().size() + " incident(s) of this storm";
            subject = "[AOF] " + title + ": '" + s.text() + "' (" + category + ")";
            text.append(title).append("\n").append(headline).append("\n\n");
            html.append("<h2>").append(h(title)).append("</h2><p>").append(h(headline)).append("</p><ul>");
            d.incidents().stream().limit(Digest.LISTED).forEach(i -> {
                String line = i.incidentId() + " " + i.kind() + (i.attempt() == null ? "" : " (attempt "
                        + i.attempt() + ")");
                text.append("  ").append(line).append('\n');
                html.append("<li><code>").append(h(line)).append("</code></li>");
            });
            html.append("</ul>");
            if (d.incidents().size() > Digest.LISTED) {
                text.append("  and ").append(d.incidents().size() - Digest.LISTED).append(" more\n");
                html.append("<p>and ").append(d.incidents().size() - Digest.LISTED).append(" more</p>");
            }
            text.append("\nThese incidents: ").append(d.url()).append('\n');
            html.append("<p>These incidents: <a href=\"").append(h(d.url())).append("\">").append(h(d.url()))
                    .append("</a></p>");
        } else {
            boolean over = m.kind() == Storm.Kind.STORM_ENDED;
            subject = "[AOF] " + (over ? "Storm over: " : "") + headline;
            String heading = over ? "Storm over (quiet since " + s.lastAlertAt() + "): " + headline : headline;
            text.append(heading).append("\n\n");
            html.append("<h2>").append(h(heading)).append("</h2>");
            s.byKind().forEach((k, v) -> text.append(k).append(": ").append(v).append('\n'));
            html.append("<table>");
            s.byKind().forEach((k, v) -> html.append(row(h(k), String.valueOf(v))));
            html.append("</table><p>Recipes, busiest first:</p><ul>");
            text.append("\nRecipes, busiest first:\n");
            s.topRecipes().forEach(r -> {
                String line = ReportFormat.recipeName(r.recipeId() == null ? 0 : r.recipeId(), r.recipeName()) + ": "
                        + r.jobs() + " job(s)";
                text.append("  ").append(line).append('\n');
                html.append("<li>").append(h(line)).append("</li>");
            });
            html.append("</ul>");
            if (s.recipes() > s.topRecipes().size()) {
                text.append("  and ").append(s.recipes() - s.topRecipes().size()).append(" more\n");
                html.append("<p>and ").append(s.recipes() - s.topRecipes().size()).append(" more</p>");
            }
            if (s.sampleError() != null && !s.sampleError().isBlank()) {
                String excerpt = s.sampleError().length() > ERROR_EXCERPT
                        ? s.sampleError().substring(0, ERROR_EXCERPT) + "..." : s.sampleError();
                text.append("\nExample error:\n").append(excerpt).append('\n');
                html.append("<p>Example error:</p><pre>").append(h(excerpt)).append("</pre>");
            }
        }
        text.append("\nEvery incident of the storm: ").append(s.url()).append('\n');
        html.append("<p>Every incident of the storm: <a href=\"").append(h(s.url())).append("\">").append(h(s.url()))
                .append("</a></p></body></html>");
        return new MailContent(subject, text.toString(), html.toString());
    }

    private static MailContent alert(NotificationRequested n, String workatoAppUrl) {
        String recipe = n.recipeId() == null ? "AOF" : ReportFormat.recipeName(n.recipeId(), n.recipeName());
        String recipeUrl = workatoAppUrl + "/recipes/" + n.recipeId();
        String jobUrl = recipeUrl + "/job/" + n.jobId();
        String attempt = n.attempt() == null ? "-" : n.attempt() + " of " + n.maxAttempts();
        String error = n.error() == null ? "" : n.error().length() > ERROR_EXCERPT
                ? n.error().substring(0, ERROR_EXCERPT) + "..." : n.error();
        String subject = "[AOF " + n.severity() + "] " + n.title() + ": " + recipe;
        String text = n.title() + "\n\n"
                + "Recipe:   " + recipe + " (" + recipeUrl + ")\n"
                + "Job:      " + n.jobId() + " (" + jobUrl + ")\n"
                + "Category: " + n.category() + "\n"
                + "Attempt:  " + attempt + "\n"
                + "Incident: " + n.incidentId() + "\n"
                + (error.isEmpty() ? "" : "\nError:\n" + error + "\n");
        String html = "<html><body style=\"font-family:sans-serif\"><h2>" + h(n.title()) + "</h2><table>"
                + row("Recipe", "<a href=\"" + h(recipeUrl) + "\">" + h(recipe) + "</a>")
                + row("Job", "<a href=\"" + h(jobUrl) + "\">" + h(n.jobId()) + "</a>")
                + row("Category", h(n.category()))
                + row("Attempt", h(attempt))
                + row("Incident", "<code>" + h(n.incidentId()) + "</code>")
                + "</table>" + (error.isEmpty() ? "" : "<h3>Error</h3><pre>" + h(error) + "</pre>")
                + "</body></html>";
        return new MailContent(subject, text, html);
    }

    private static MailContent report(JobReport r, String workatoAppUrl) {
        JobReport.Totals t = r.totals();
        String subject = "[AOF] Job report " + r.schedule() + ", " + ReportFormat.period(r) + ": "
                + t.incidentsOpened() + " incident(s), " + t.recovered() + " recovered, " + t.stillOpen()
                + " still open";
        StringBuilder text = new StringBuilder("AOF job report (" + r.schedule() + ") for workspace "
                + r.workspace() + "\n" + ReportFormat.period(r) + "\n\n");
        StringBuilder html = new StringBuilder("<html><body style=\"font-family:sans-serif\"><h2>AOF job report ("
                + h(r.schedule()) + ")</h2><p>Workspace <b>" + h(r.workspace()) + "</b>, "
                + h(ReportFormat.period(r)) + "</p><h3>Totals</h3><table>");
        List<String[]> totals = List.of(
                new String[]{"Jobs succeeded", String.valueOf(t.jobsSucceeded())},
                new String[]{"Jobs failed", String.valueOf(t.jobsFailed())},
                new String[]{"Incidents opened", String.valueOf(t.incidentsOpened())},
                new String[]{"Recovered automatically", String.valueOf(t.recovered())},
                new String[]{"Exhausted", String.valueOf(t.exhausted())},
                new String[]{"Not retryable", String.valueOf(t.nonRetryable())},
                new String[]{"Resolved by hand", String.valueOf(t.resolvedManually())},
                new String[]{"Still open", String.valueOf(t.stillOpen())},
                new String[]{"Time to recovery", ReportFormat.recovery(t.meanSecondsToRecovery(),
                        t.p95SecondsToRecovery())});
        for (String[] kv : totals) {
            text.append(String.format("%-24s %s%n", kv[0] + ":", kv[1]));
            html.append(row(kv[0], h(kv[1])));
        }
        html.append("</table>");

        if (!r.topCategories().isEmpty()) {
            text.append("\nTop error categories:\n");
            html.append("<h3>Top error categories</h3><ul>");
            for (JobReport.CategoryCount c : r.topCategories()) {
                text.append("  ").append(c.category()).append(": ").append(c.incidents()).append('\n');
                html.append("<li>").append(h(c.category())).append(": ").append(c.incidents()).append("</li>");
            }
            html.append("</ul>");
        }

        if (!r.gotWorse().isEmpty()) {
            text.append("\nGot worse than the previous period:\n");
            html.append("<h3>Got worse than the previous period</h3><ul>");
            for (JobReport.Worse w : r.gotWorse()) {
                String name = ReportFormat.recipeName(w.recipeId(), w.recipeName());
                text.append("  ").append(name).append(": ").append(ReportFormat.worse(w)).append('\n');
                html.append("<li><b>").append(h(name)).append("</b>: ").append(h(ReportFormat.worse(w)))
                        .append("</li>");
            }
            html.append("</ul>");
        }

        if (!r.recipes().isEmpty()) {
            text.append("\nRecipes:\n");
            html.append("<h3>Recipes</h3><table border=\"1\" cellpadding=\"4\" style=\"border-collapse:collapse\">"
                    + "<tr><th>Recipe</th><th>Succeeded</th><th>Failed</th><th>Incidents</th><th>Recovered</th>"
                    + "<th>Exhausted</th><th>Still open</th><th>Time to recovery</th><th>Top category</th></tr>");
            r.recipes().stream().limit(ReportFormat.MAIL_RECIPES).forEach(l -> {
                String name = ReportFormat.recipeName(l.recipeId(), l.recipeName());
                String top = l.topCategories().isEmpty() ? "-" : l.topCategories().get(0).category();
                String ttr = ReportFormat.recovery(l.meanSecondsToRecovery(), l.p95SecondsToRecovery());
                text.append("  ").append(name).append(": ").append(ReportFormat.recipeFigures(l))
                        .append(" · recovery ").append(ttr).append(" · top ").append(top).append('\n');
                html.append("<tr><td><a href=\"").append(h(workatoAppUrl + "/recipes/" + l.recipeId())).append("\">")
                        .append(h(name)).append("</a></td><td>").append(l.jobsSucceeded()).append("</td><td>")
                        .append(l.jobsFailed()).append("</td><td>").append(l.incidentsOpened()).append("</td><td>")
                        .append(l.recovered()).append("</td><td>").append(l.exhausted()).append("</td><td>")
                        .append(l.stillOpen()).append("</td><td>").append(h(ttr)).append("</td><td>")
                        .append(h(top)).append("</td></tr>");
            });
            html.append("</table>");
            if (r.recipeCount() > ReportFormat.MAIL_RECIPES) {
                String more = (r.recipeCount() - ReportFormat.MAIL_RECIPES) + " more recipe(s): GET /api/reports";
                text.append("  ").append(more).append('\n');
                html.append("<p>").append(h(more)).append("</p>");
            }
        } else {
            text.append("\nNo recipe had jobs or incidents in this period.\n");
            html.append("<p>No recipe had jobs or incidents in this period.</p>");
        }
        html.append("</body></html>");
        return new MailContent(subject, text.toString(), html.toString());
    }

    private static String row(String label, String htmlValue) {
        return "<tr><th align=\"left\">" + h(label) + "</th><td>" + htmlValue + "</td></tr>";
    }

    private static String h(String s) {
        return s == null ? "" : HtmlUtils.htmlEscape(s);
    }
}
