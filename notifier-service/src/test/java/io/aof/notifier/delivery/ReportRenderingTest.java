package io.aof.notifier.delivery;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.slack.api.util.json.GsonFactory;
import io.aof.common.report.JobReport.CategoryCount;
import io.aof.common.report.JobReport.RecipeLine;
import io.aof.common.report.JobReport;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

public class ReportRenderingTest {

    static final String APP = "https://app.workato.com";

    /** A small report: two recipes, one with a name that tries to ping the channel. */
    public static JobReport sample() {
        return new JobReport("daily", "acme", "Europe/Berlin", Instant.parse("2026-11-24T07:00:00Z"),
                Instant.parse("2026-11-25T07:00:00Z"),
                new JobReport.Totals(235, 11, 7, 4, 1, 2, 1, 3, 23175L, 90000L),
                List.of(new RecipeLine(9001, "Orders <!channel> & sync", 200, 8, 4, 3, 1, 0, 0, 2, 30800L, 90000L,
                                List.of(new CategoryCount("UPSTREAM_5XX", 3), new CategoryCount("TIMEOUT", 1))),
                        new RecipeLine(9003, null, 5, 3, 1, 1, 0, 0, 0, 0, 300L, 300L,
                                List.of(new CategoryCount("TIMEOUT", 1)))),
                List.of(new CategoryCount("UPSTREAM_5XX", 3), new CategoryCount("TIMEOUT", 2)),
                List.of(new JobReport.Worse(9001, "Orders <!channel> & sync", 2, 8, 1, 4, 0, 1)));
    }

    @Test
    void slackReportHasTotalsCategoriesRecipesAndWhatGotWorse() {
        SlackMessage m = SlackMessage.report(sample(), APP);
        JsonArray blocks = GsonFactory.createSnakeCase().toJsonTree(m.blocks()).getAsJsonArray();

        assertThat(types(blocks)).containsExactly("header", "context", "section", "section", "divider", "section",
                "section");
        assertThat(blocks.get(0).getAsJsonObject().getAsJsonObject("text").get("text").getAsString())
                .isEqualTo(":bar_chart: AOF job report (daily)");
        assertThat(text(blocks.get(1).getAsJsonObject().getAsJsonArray("elements").get(0).getAsJsonObject()))
                .isEqualTo("Workspace *acme* · 2026-11-24 08:00 to 2026-11-25 08:00 Europe/Berlin");
        List<String> fields = blocks.get(2).getAsJsonObject().getAsJsonArray("fields").asList().stream()
                .map(f -> text(f.getAsJsonObject())).toList();
        assertThat(fields).containsExactly("*Jobs succeeded*\n235", "*Jobs failed*\n11", "*Incidents opened*\n7",
                "*Recovered automatically*\n4", "*Exhausted*\n1", "*Still open*\n3",
                "*Not retryable / resolved by hand*\n2 / 1", "*Time to recovery*\n6h 26m mean, 1d 1h p95");
        assertThat(text(blocks.get(3).getAsJsonObject().getAsJsonObject("text")))
                .isEqualTo("*Top error categories*\n`UPSTREAM_5XX` 3   `TIMEOUT` 2");
        assertThat(text(blocks.get(5).getAsJsonObject().getAsJsonObject("text"))).isEqualTo(
                "*Recipes, worst first*\n"
                        + "• <https://app.workato.com/recipes/9001|Orders &lt;!channel&gt; &amp; sync>: failed jobs 8 "
                        + "of 208 · incidents 4 · recovered 3 · exhausted 1 · still open 2\n"
                        + "• <https://app.workato.com/recipes/9003|recipe 9003>: failed jobs 3 of 8 · incidents 1 "
                        + "· recovered 1 · exhausted 0 · still open 0");
        assertThat(text(blocks.get(6).getAsJsonObject().getAsJsonObject("text"))).isEqualTo(
                "*Got worse than the previous period*\n"
                        + "• <https://app.workato.com/recipes/9001|Orders &lt;!channel&gt; &amp; sync>: failed jobs "
                        + "2 → 8, incidents 1 → 4, exhausted 0 → 1");
        assertThat(m.text()).startsWith(":bar_chart: AOF job report (daily), 2026-11-24 08:00 to 2026-11-25 08:00")
                .doesNotContain("<!channel>");
    }

    @Test
    void slackReportListsTenRecipesAndSaysHowManyMore() {
        JobReport base = sample();
        List<RecipeLine> many = java.util.stream.IntStream.range(0, 13).mapToObj(i -> new RecipeLine(100 + i,
                "R" + i, 1, 1, 1, 0, 0, 0, 0, 1, null, null, List.of())).toList();
        JobReport r = new JobReport(base.schedule(), base.workspace(), base.zone(), base.from(), base.to(),
                base.totals(), many, List.of(), List.of());
        JsonArray blocks = GsonFactory.createSnakeCase().toJsonTree(SlackMessage.report(r, APP).blocks())
                .getAsJsonArray();
        assertThat(types(blocks)).containsExactly("header", "context", "section", "divider", "section");
        String all = text(blocks.get(4).getAsJsonObject().getAsJsonObject("text"));
        assertThat(all).contains("|R9>").doesNotContain("|R10>").contains("_and 3 more: GET /api/reports_");
    }

    @Test
    void aReportCappedForKafkaStillSaysHowManyRecipesWereLeftOut() {
        JobReport base = sample();
        List<RecipeLine> many = java.util.stream.IntStream.range(0, 250).mapToObj(i -> new RecipeLine(100 + i,
                "R" + i, 1, 1, 1, 0, 0, 0, 0, 1, null, null, List.of())).toList();
        JobReport sent = new JobReport(base.schedule(), base.workspace(), base.zone(), base.from(), base.to(),
                base.totals(), many, List.of(), List.of()).capped();

        MailContent mail = MailContent.of(io.aof.common.events.NotificationRequested.report(sent, "k"), APP);
        assertThat(mail.text()).contains("50 more recipe(s): GET /api/reports");
        assertThat(mail.html()).contains("50 more recipe(s): GET /api/reports");
        JsonArray blocks = GsonFactory.createSnakeCase().toJsonTree(SlackMessage.report(sent, APP).blocks())
                .getAsJsonArray();
        assertThat(text(blocks.get(4).getAsJsonObject().getAsJsonObject("text")))
                .contains("_and 240 more: GET /api/reports_");
    }

    @Test
    void emailReportHasTheSameContentInHtmlAndText() {
        MailContent mail = MailContent.of(io.aof.common.events.NotificationRequested.report(sample(), "k"), APP);

        assertThat(mail.subject()).isEqualTo("[AOF] Job report daily, 2026-11-24 08:00 to 2026-11-25 08:00 "
                + "Europe/Berlin: 7 incident(s), 4 recovered, 3 still open");
        assertThat(mail.text()).contains("Jobs succeeded:          235\n", "Still open:              3\n",
                "Time to recovery:        6h 26m mean, 1d 1h p95\n", "  UPSTREAM_5XX: 3\n",
                "  Orders <!channel> & sync: failed jobs 2 → 8, incidents 1 → 4, exhausted 0 → 1\n",
                "  recipe 9003: failed jobs 3 of 8 · incidents 1 · recovered 1 · exhausted 0 · still open 0 "
                        + "· recovery 5m mean, 5m p95 · top TIMEOUT\n");
        assertThat(mail.html()).contains("<tr><th align=\"left\">Jobs failed</th><td>11</td></tr>",
                "<li>UPSTREAM_5XX: 3</li>",
                "<a href=\"https://app.workato.com/recipes/9001\">Orders &lt;!channel&gt; &amp; sync</a></td>"
                        + "<td>200</td><td>8</td><td>4</td><td>3</td><td>1</td><td>2</td>"
                        + "<td>8h 33m mean, 1d 1h p95</td><td>UPSTREAM_5XX</td></tr>")
                .doesNotContain("<!channel>");
    }

    private static List<String> types(JsonArray blocks) {
        return blocks.asList().stream().map(b -> b.getAsJsonObject().get("type").getAsString()).toList();
    }

    private static String text(JsonObject textObject) {
        return textObject.get("text").getAsString();
    }
}
