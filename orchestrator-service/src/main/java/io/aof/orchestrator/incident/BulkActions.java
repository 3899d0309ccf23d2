package io.aof.orchestrator.incident;

import io.aof.common.events.IncidentState;
import io.aof.common.ops.DomainException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.dao.DataAccessException;
import org.springframework.stereotype.Component;
import org.springframework.transaction.TransactionException;
import org.springframework.transaction.support.TransactionTemplate;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Operator actions on every incident a filter matches (an outage's members, a recipe's exhausted incidents of
 * a morning): first a dry run that counts them and shows a sample, then the action itself, which must name the
 * count the dry run saw (so it acts on what the operator looked at, not on what arrived since). Each incident is
 * acted on in its own transaction through {@link IncidentService} exactly as one at a time would be, and audited
 * the same way; one that cannot take the action (already resolved, not replayable) is skipped and counted, and so
 * is one whose transaction fails (after {@link #MAX_FAILED_IN_A_ROW} such failures in a row, the rest are counted
 * as not tried).
 */
@Component
class BulkActions {

    private static final Logger log = LoggerFactory.getLogger(BulkActions.class);
    static final int MAX = 5_000;
    static final int SAMPLE = 20;
    private static final int PAGE = 100;
    /** After this many incidents in a row fail with a database error, the rest are not tried (and counted). */
    static final int MAX_FAILED_IN_A_ROW = 5;
    static final String FAILED = "failed (a database error; see the orchestrator's log): try again";
    static final String NOT_TRIED = "not tried (the database failed " + MAX_FAILED_IN_A_ROW + " times in a row)";

    enum Action {
        REPLAY(IncidentService.REPLAYABLE), RESOLVE(IncidentService.RESOLVABLE);

        /** The states an incident may be in for the action (a replay of a RETRYING one also needs it overdue). */
        final Set<IncidentState> states;

        Action(Set<IncidentState> states) {
            this.states = states;
        }
    }

    /** What a dry run found: how many match, how many are in a state the action applies to, the oldest few. */
    record Preview(Action action, int matched, int eligible, List<String> sample) {
    }

    /** What the action did: acted on {@code done}, skipped the others (by why). */
    record Result(Action action, int matched, int done, int skipped, Map<String, Integer> skippedBecause) {
    }

    private final IncidentStore incidents;
    private final IncidentService service;
    private final TransactionTemplate tx;

    BulkActions(IncidentStore incidents, IncidentService service, TransactionTemplate tx) {
        this.incidents = incidents;
        this.service = service;
        this.tx = tx;
    }

    Preview preview(Action action, IncidentStore.IncidentFilter filter) {
        requireFilter(filter);
        int matched = incidents.count(filter);
        int eligible = 0;
        for (IncidentState s : action.states) {
            if (filter.state() == null || filter.state() == s) {
                eligible += incidents.count(withState(filter, s));
            }
        }
        List<String> sample = incidents.keys(filter, null, SAMPLE).stream().map(IncidentStore.Key::id).toList();
        return new Preview(action, matched, eligible, sample);
    }

    Result apply(Action action, IncidentStore.IncidentFilter filter, int expectedCount, String by,
                 String reason) {
        requireFilter(filter);
        int matched = incidents.count(filter);
        if (matched != expectedCount) {
            throw DomainException.conflict("The filter matches " + matched + " incidents now, not the "
                    + expectedCount + " given: run the dry run again and send the count it shows");
        }
        if (matched > MAX) {
            throw DomainException.invalid("The filter matches " + matched + " incidents; at most " + MAX
                    + " are acted on at once: narrow it (a time range, a recipe, a state)");
        }
        int done = 0;
        int failedInARow = 0;
        Map<String, Integer> skipped = new TreeMap<>();
        IncidentStore.Key after = null;
        int seen = 0;
        while (seen < matched) {
            List<IncidentStore.Key> page = incidents.keys(filter, after, PAGE);
            if (page.isEmpty()) {
                break;
            }
            for (IncidentStore.Key k : page) {
                seen++;
                try {
                    tx.executeWithoutResult(s -> {
                        if (action == Action.REPLAY) {
                            service.replay(k.id(), by, reason);
                        } else {
                            service.resolve(k.id(), by, reason);
                        }
                    });
                    done++;
                    failedInARow = 0;
                } catch (DomainException e) {
                    skipped.merge(why(e.getMessage()), 1, Integer::sum);
                    failedInARow = 0;
                } catch (DataAccessException | TransactionException e) {
                    // this incident's transaction failed (a lock timeout, the database away): not acted on, said so
                    log.warn("Bulk {} by {}: {} failed: {}", action, by, k.id(), e.toString());
                    skipped.merge(FAILED, 1, Integer::sum);
                    if (++failedInARow >= MAX_FAILED_IN_A_ROW) {
                        skipped.merge(NOT_TRIED, matched - seen, Integer::sum);
                        seen = matched;
                    }
                }
                if (seen >= matched) {
                    break;
                }
            }
            if (seen >= matched) {
                break;
            }
            after = page.get(page.size() - 1);
        }
        int skippedCount = skipped.values().stream().mapToInt(Integer::intValue).sum();
        log.info("Bulk {} by {}: {} matched, {} done, {} skipped {}", action, by, matched, done, skippedCount,
                skipped);
        return new Result(action, matched, done, skippedCount, skipped);
    }

    /** A skip's reason without the incident's id: "is MANUALLY_RESOLVED", "must never be repeated", ... */
    private static String why(String message) {
        if (message == null) {
            return "refused";
        }
        int is = message.indexOf(" is ");
        String rest = is >= 0 ? message.substring(is + 1) : message;
        int cut = rest.indexOf(';');
        return cut > 0 ? rest.substring(0, cut) : rest.length() > 80 ? rest.substring(0, 80) : rest;
    }

    private static void requireFilter(IncidentStore.IncidentFilter filter) {
        if (filter.isEmpty()) {
            throw DomainException.invalid("A bulk action needs at least one filter (upstream, outageId, recipeId, "
                    + "category, state, from, to)");
        }
    }

    private static IncidentStore.IncidentFilter withState(IncidentStore.IncidentFilter f, IncidentState s) {
        return new IncidentStore.IncidentFilter(s, f.recipeId(), f.category(), f.upstream(), f.outageId(),
                f.openedFrom(), f.openedTo());
    }
}
