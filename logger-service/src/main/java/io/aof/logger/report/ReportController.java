package io.aof.logger.report;

import io.aof.common.messaging.AofProperties;
import io.aof.common.ops.Problems;
import io.aof.common.report.JobReport.RecipeLine;
import io.aof.common.report.JobReport;
import io.aof.logger.eventlog.Csv;
import jakarta.servlet.http.HttpServletResponse;
import org.springframework.format.annotation.DateTimeFormat;
import org.springframework.http.HttpStatus;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;

/**
 * The job report on demand: {@code GET /api/reports?from=&to=} as JSON, or as
 * CSV (one line per recipe, then a workspace total line) with
 * {@code Accept: text/csv} or at {@code /api/reports.csv}.
 */
@RestController
class ReportController {

    static final Duration MAX_SPAN = Duration.ofDays(366);

    private final ReportBuilder builder;
    private final ReportProperties props;
    private final String workspace;

    ReportController(ReportBuilder builder, ReportProperties props, AofProperties aof) {
        this.builder = builder;
        this.props = props;
        this.workspace = aof.workspace();
    }

    @GetMapping(path = "/api/reports", produces = "application/json")
    JobReport report(@RequestParam @DateTimeFormat(iso = DateTimeFormat.ISO.DATE_TIME) Instant from,
                     @RequestParam @DateTimeFormat(iso = DateTimeFormat.ISO.DATE_TIME) Instant to,
                     @RequestParam(required = false) String workspace,
                     @RequestParam(required = false) String zone) {
        if (!to.isAfter(from)) {
            throw Problems.of(HttpStatus.BAD_REQUEST, "to must be after from");
        }
        if (Duration.between(from, to).compareTo(MAX_SPAN) > 0) {
            throw Problems.of(HttpStatus.BAD_REQUEST, "a report covers at most " + MAX_SPAN.toDays() + " days");
        }
        String z = zone != null ? zone : props.zone();
        try {
            ZoneId.of(z);
        } catch (DateTimeException e) {
            throw Problems.of(HttpStatus.BAD_REQUEST, "zone is not a time zone: " + z);
        }
        return builder.build("on-demand", workspace != null ? workspace : this.workspace, z, from, to);
    }

    @GetMapping(path = {"/api/reports", "/api/reports.csv"}, produces = "text/csv")
    void csv(@RequestParam @DateTimeFormat(iso = DateTimeFormat.ISO.DATE_TIME) Instant from,
             @RequestParam @DateTimeFormat(iso = DateTimeFormat.ISO.DATE_TIME) Instant to,
             @RequestParam(required = false) String workspace,
             HttpServletResponse response) throws IOException {
        JobReport r = report(from, to, workspace, null);
        response.setContentType("text/csv; charset=utf-8");
        response.setHeader("Content-Disposition", "attachment; filename=\"aof-report.csv\"");
        PrintWriter out = new PrintWriter(response.getOutputStream(), false, StandardCharsets.UTF_8);
        out.println("recipe_id,recipe_name,jobs_succeeded,jobs_failed,incidents_opened,recovered,exhausted,"
                + "non_retryable,resolved_manually,still_open,mean_seconds_to_recovery,p95_seconds_to_recovery,"
                + "top_category");
        for (RecipeLine l : r.recipes()) {
            out.println(String.join(",", String.valueOf(l.recipeId()), Csv.cell(l.recipeName()),
                    String.valueOf(l.jobsSucceeded()), String.valueOf(l.jobsFailed()),
                    String.valueOf(l.incidentsOpened()), String.valueOf(l.recovered()), String.valueOf(l.exhausted()),
                    String.valueOf(l.nonRetryable()), String.valueOf(l.resolvedManually()),
                    String.valueOf(l.stillOpen()), n(l.meanSecondsToRecovery()), n(l.p95SecondsToRecovery()),
                    l.topCategories().isEmpty() ? "" : l.topCategories().get(0).category()));
        }
        JobReport.Totals t = r.totals();
        out.println(String.join(",", "", "TOTAL", String.valueOf(t.jobsSucceeded()), String.valueOf(t.jobsFailed()),
                String.valueOf(t.incidentsOpened()), String.valueOf(t.recovered()), String.valueOf(t.exhausted()),
                String.valueOf(t.nonRetryable()), String.valueOf(t.resolvedManually()), String.valueOf(t.stillOpen()),
                n(t.meanSecondsToRecovery()), n(t.p95SecondsToRecovery()),
                r.topCategories().isEmpty() ? "" : r.topCategories().get(0).category()));
        out.flush();
    }

    private static String n(Long v) {
        return v == null ? "" : v.toString();
    }
}
