package io.aof.notifier.delivery;

import io.aof.common.report.JobReport;

import java.time.ZoneId;
import java.time.format.DateTimeFormatter;

/** Wording shared by the Slack and e-mail forms of the job report. */
public final class ReportFormat {

    /** How many recipe lines the Slack message lists (the e-mail lists up to {@link #MAIL_RECIPES}). */
    static final int SLACK_RECIPES = 10;
    static final int MAIL_RECIPES = 200;

    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm");

    private ReportFormat() {
    }

    static String period(JobReport r) {
        ZoneId zone = ZoneId.of(r.zone());
        return TIME.format(r.from().atZone(zone)) + " to " + TIME.format(r.to().atZone(zone)) + " " + r.zone();
    }

    /** {@code 45s}, {@code 4m 30s}, {@code 2h 5m}, {@code 3d 4h}; a dash when there is nothing to measure. */
    public static String duration(Long seconds) {
        if (seconds == null) {
            return "-";
        }
        long s = seconds;
        if (s < 60) {
            return s + "s";
        }
        if (s < 3600) {
            return s / 60 + "m" + (s % 60 == 0 ? "" : " " + s % 60 + "s");
        }
        if (s < 86400) {
            return s / 3600 + "h" + (s % 3600 / 60 == 0 ? "" : " " + s % 3600 / 60 + "m");
        }
        return s / 86400 + "d" + (s % 86400 / 3600 == 0 ? "" : " " + s % 86400 / 3600 + "h");
    }

    static String recipeName(long recipeId, String name) {
        String n = name == null || name.isBlank() ? "recipe " + recipeId : name;
        return n.length() > 80 ? n.substring(0, 80) + "..." : n;
    }

    static String recovery(Long mean, Long p95) {
        return duration(mean) + " mean, " + duration(p95) + " p95";
    }

    static String recipeFigures(JobReport.RecipeLine l) {
        return "failed jobs " + l.jobsFailed() + " of " + (l.jobsFailed() + l.jobsSucceeded())
                + " · incidents " + l.incidentsOpened() + " · recovered " + l.recovered()
                + " · exhausted " + l.exhausted() + " · still open " + l.stillOpen();
    }

    static String worse(JobReport.Worse w) {
        return "failed jobs " + w.jobsFailedBefore() + " → " + w.jobsFailed() + ", incidents "
                + w.incidentsOpenedBefore() + " → " + w.incidentsOpened() + ", exhausted " + w.exhaustedBefore()
                + " → " + w.exhausted();
    }
}
