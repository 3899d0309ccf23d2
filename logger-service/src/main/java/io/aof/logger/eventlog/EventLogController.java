package io.aof.logger.eventlog;

import io.aof.common.ops.PageCursor;
import io.aof.common.ops.Problems;
import jakarta.servlet.http.HttpServletResponse;
import org.springframework.format.annotation.DateTimeFormat;
import org.springframework.http.HttpStatus;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;

/**
 * The event log for people: events filtered by incident, recipe, job, category,
 * type, service and time, newest first with keyset paging (no OFFSET scans) and
 * a hard page-size limit; an incident's timeline and a job's history, oldest
 * first; CSV export of a filtered range, read from the {@link EventLogStore}.
 * Every value a client sends is bound as a parameter, never pasted into SQL.
 */
@RestController
class EventLogController {

    static final int MAX_PAGE = 500;
    static final int MAX_CSV_ROWS = 100_000;
    private static final int MAX_TIMELINE = 1000;

    private final EventLogStore eventLog;

    EventLogController(EventLogStore eventLog) {
        this.eventLog = eventLog;
    }

    record Page(List<LoggedEvent> items, String next) {
    }

    @GetMapping("/api/incidents/{incidentId}/timeline")
    List<LoggedEvent> timeline(@PathVariable String incidentId) {
        List<LoggedEvent> events = eventLog.timeline(incidentId, MAX_TIMELINE);
        if (events.isEmpty()) {
            throw Problems.of(HttpStatus.NOT_FOUND, "No events logged for incident " + incidentId);
        }
        return events;
    }

    /** Everything about one Workato job: as the failed job, as the job repeated, or as a repeat job. */
    @GetMapping("/api/jobs/{jobId}/history")
    List<LoggedEvent> jobHistory(@PathVariable String jobId) {
        List<LoggedEvent> events = eventLog.jobHistory(jobId, MAX_TIMELINE);
        if (events.isEmpty()) {
            throw Problems.of(HttpStatus.NOT_FOUND, "No events logged for job " + jobId);
        }
        return events;
    }

    @GetMapping("/api/events")
    Page events(@RequestParam(required = false) String incidentId, @RequestParam(required = false) Long recipeId,
                @RequestParam(required = false) String jobId, @RequestParam(required = false) String category,
                @RequestParam(required = false) String type, @RequestParam(required = false) String service,
                @RequestParam(required = false) @DateTimeFormat(iso = DateTimeFormat.ISO.DATE_TIME) Instant from,
                @RequestParam(required = false) @DateTimeFormat(iso = DateTimeFormat.ISO.DATE_TIME) Instant to,
                @RequestParam(required = false) String after,
                @RequestParam(defaultValue = "100") int limit) {
        if (limit < 1 || limit > MAX_PAGE) {
            throw Problems.of(HttpStatus.BAD_REQUEST, "limit must be between 1 and " + MAX_PAGE);
        }
        PageCursor cursor = after == null ? null : PageCursor.parse(after);
        List<LoggedEvent> items = eventLog.page(new EventLogStore.Filter(incidentId, recipeId, jobId, category, type,
                service, from, to), cursor, limit);
        String next = items.size() == limit ? new PageCursor(items.get(items.size() - 1).occurredAt(),
                items.get(items.size() - 1).seq()).encode() : null;
        return new Page(items, next);
    }

    @GetMapping(path = "/api/events.csv")
    void csv(@RequestParam(required = false) String incidentId, @RequestParam(required = false) Long recipeId,
             @RequestParam(required = false) String jobId, @RequestParam(required = false) String category,
             @RequestParam(required = false) String type, @RequestParam(required = false) String service,
             @RequestParam @DateTimeFormat(iso = DateTimeFormat.ISO.DATE_TIME) Instant from,
             @RequestParam @DateTimeFormat(iso = DateTimeFormat.ISO.DATE_TIME) Instant to,
             HttpServletResponse response) throws IOException {
        if (!to.isAfter(from)) {
            throw Problems.of(HttpStatus.BAD_REQUEST, "to must be after from");
        }
        response.setContentType("text/csv; charset=utf-8");
        response.setHeader("Content-Disposition", "attachment; filename=\"aof-events.csv\"");
        PrintWriter out = new PrintWriter(response.getOutputStream(), false, StandardCharsets.UTF_8);
        out.println("occurred_at,event_id,type,service,topic,incident_id,recipe_id,job_id,attempt,category");
        EventLogStore.Filter f = new EventLogStore.Filter(incidentId, recipeId, jobId, category, type, service, from,
                to);
        PageCursor cursor = null;
        int written = 0;
        while (written < MAX_CSV_ROWS) {
            List<LoggedEvent> page = eventLog.page(f, cursor, MAX_PAGE);
            for (LoggedEvent e : page) {
                out.println(String.join(",", e.occurredAt().toString(), e.eventId().toString(), Csv.cell(e.type()),
                        Csv.cell(e.service()), Csv.cell(e.topic()), Csv.cell(e.incidentId()), e.recipeId() == null ? ""
                                : e.recipeId().toString(), Csv.cell(e.jobId()), e.attempt() == null ? ""
                                : e.attempt().toString(), Csv.cell(e.category())));
            }
            written += page.size();
            if (page.size() < MAX_PAGE) {
                break;
            }
            LoggedEvent last = page.get(page.size() - 1);
            cursor = new PageCursor(last.occurredAt(), last.seq());
        }
        out.flush();
    }
}
