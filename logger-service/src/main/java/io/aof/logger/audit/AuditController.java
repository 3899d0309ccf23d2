package io.aof.logger.audit;

import io.aof.common.events.OperatorActed.Action;
import io.aof.common.ops.PageCursor;
import io.aof.common.ops.Problems;
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
import java.time.Instant;
import java.util.Arrays;
import java.util.List;

/**
 * {@code GET /api/audit}: who did what, through any service (replays, resolves, suppressions, escalation
 * acknowledgements, notification retries, dead-letter re-drives), filtered by actor, action, incident, recipe and
 * time, newest first with keyset paging; {@code GET /api/audit.csv} the same as CSV. The actor is always the
 * authenticated caller of the action.
 */
@RestController
class AuditController {

    static final int MAX_PAGE = 500;
    static final int MAX_CSV_ROWS = 100_000;

    private final AuditStore audit;

    AuditController(AuditStore audit) {
        this.audit = audit;
    }

    record Page(List<AuditStore.Entry> items, String next) {
    }

    @GetMapping("/api/audit")
    Page list(@RequestParam(required = false) String actor, @RequestParam(required = false) String action,
              @RequestParam(required = false) String incidentId, @RequestParam(required = false) Long recipeId,
              @RequestParam(required = false) @DateTimeFormat(iso = DateTimeFormat.ISO.DATE_TIME) Instant from,
              @RequestParam(required = false) @DateTimeFormat(iso = DateTimeFormat.ISO.DATE_TIME) Instant to,
              @RequestParam(required = false) String after, @RequestParam(defaultValue = "100") int limit) {
        if (limit < 1 || limit > MAX_PAGE) {
            throw Problems.of(HttpStatus.BAD_REQUEST, "limit must be between 1 and " + MAX_PAGE);
        }
        List<AuditStore.Entry> items = audit.page(filter(actor, action, incidentId, recipeId, from, to),
                after == null ? null : PageCursor.parse(after), limit);
        AuditStore.Entry last = items.size() == limit ? items.get(items.size() - 1) : null;
        return new Page(items, last == null ? null : new PageCursor(last.at(), last.seq()).encode());
    }

    /** At most {@value #MAX_CSV_ROWS} rows, newest first; narrow the range for more. */
    @GetMapping("/api/audit.csv")
    void csv(@RequestParam(required = false) String actor, @RequestParam(required = false) String action,
             @RequestParam(required = false) String incidentId, @RequestParam(required = false) Long recipeId,
             @RequestParam(required = false) @DateTimeFormat(iso = DateTimeFormat.ISO.DATE_TIME) Instant from,
             @RequestParam(required = false) @DateTimeFormat(iso = DateTimeFormat.ISO.DATE_TIME) Instant to,
             HttpServletResponse response) throws IOException {
        AuditStore.Filter f = filter(actor, action, incidentId, recipeId, from, to);
        response.setContentType("text/csv; charset=utf-8");
        response.setHeader("Content-Disposition", "attachment; filename=\"aof-audit.csv\"");
        PrintWriter out = new PrintWriter(response.getOutputStream(), false, StandardCharsets.UTF_8);
        out.println("at,actor,action,incident_id,recipe_id,target,reason,service,event_id");
        PageCursor cursor = null;
        int written = 0;
        while (written < MAX_CSV_ROWS) {
            List<AuditStore.Entry> page = audit.page(f, cursor, Math.min(MAX_PAGE, MAX_CSV_ROWS - written));
            for (AuditStore.Entry e : page) {
                out.println(String.join(",", e.at().toString(), Csv.cell(e.actor()), Csv.cell(e.action()),
                        Csv.cell(e.incidentId()), e.recipeId() == null ? "" : e.recipeId().toString(),
                        Csv.cell(e.target()), Csv.cell(e.reason()), Csv.cell(e.service()), e.eventId().toString()));
            }
            written += page.size();
            if (page.size() < MAX_PAGE) {
                break;
            }
            AuditStore.Entry last = page.get(page.size() - 1);
            cursor = new PageCursor(last.at(), last.seq());
        }
        out.flush();
    }

    private static AuditStore.Filter filter(String actor, String action, String incidentId, Long recipeId,
                                            Instant from, Instant to) {
        if (from != null && to != null && !to.isAfter(from)) {
            throw Problems.of(HttpStatus.BAD_REQUEST, "to must be after from");
        }
        Action a = null;
        if (action != null && !action.isBlank()) {
            try {
                a = Action.valueOf(action.trim().toUpperCase(java.util.Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw Problems.of(HttpStatus.BAD_REQUEST, "action must be one of " + Arrays.toString(Action.values()));
            }
        }
        return new AuditStore.Filter(blankToNull(actor), a, blankToNull(incidentId), recipeId, from, to);
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s.trim();
    }
}
