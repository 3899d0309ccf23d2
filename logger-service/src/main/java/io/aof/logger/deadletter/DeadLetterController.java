package io.aof.logger.deadletter;

import io.aof.common.events.EventCodec;
import io.aof.common.events.OperatorActed;
import io.aof.common.events.Topic;
import io.aof.common.events.Topics;
import io.aof.common.messaging.AofProperties;
import io.aof.common.messaging.Outbox;
import io.aof.common.ops.Actor;
import io.aof.common.ops.PageCursor;
import io.aof.common.ops.Problems;
import io.aof.logger.LoggerProperties;
import io.aof.logger.deadletter.DeadLetterStore.Redrive;
import io.aof.logger.deadletter.DeadLetterStore.Row;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.format.annotation.DateTimeFormat;
import org.springframework.http.HttpStatus;
import org.springframework.transaction.support.TransactionTemplate;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.databind.JsonNode;

import java.security.Principal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Dead letters (records refused into a {@code <topic>.dlt}, stored by the logger in {@code event_log}) and their
 * re-drive after a fix: {@code GET /api/dead-letters} lists them (filter by topic and time, newest first,
 * keyset-paged like {@code /api/events}); {@code POST /api/dead-letters/redrive} (the operator's role, like every
 * changing call) republishes the chosen ones, by ids or by topic and time range, to their original topic with their
 * original key and payload, through the logger's outbox (so the re-drive and its record commit together). A dead
 * letter is re-driven at most once unless {@code force}; each re-drive is recorded (who, when, why) in
 * {@code dead_letter_redrive} and counted ({@code aof.dlt.redriven}). Consumers are idempotent on the event id: an
 * event that had in fact taken effect before it was dead-lettered changes nothing when re-driven.
 */
@RestController
class DeadLetterController {

    private static final Logger log = LoggerFactory.getLogger(DeadLetterController.class);

    static final int MAX_PAGE = 500;
    /** Dead letters one re-drive call may republish. */
    static final int MAX_REDRIVE = 1000;
    private static final int MAX_REASON = 1000;

    private final DeadLetterStore deadLetters;
    private final TransactionTemplate tx;
    private final Outbox outbox;
    private final MeterRegistry meters;
    private final Map<String, Counter> redriven = new ConcurrentHashMap<>();
    private final java.time.Duration maxAge;
    private final String workspace;

    /** Re-drives dead letters no older than {@code aof.logger.dead-letters.redrive-max-age} unless forced. */
    @org.springframework.beans.factory.annotation.Autowired
    DeadLetterController(DeadLetterStore deadLetters, TransactionTemplate tx, Outbox outbox, MeterRegistry meters,
                         LoggerProperties props, AofProperties aof) {
        this(deadLetters, tx, outbox, meters, props.deadLetters().redriveMaxAge(), aof.workspace());
    }

    /**
     * @param maxAge dead letters older than this (since they were dead-lettered) are re-driven only when forced:
     *               the consumers' own deduplication (the inbox, kept 14 days; recovery's requests, 30 days) may
     *               have forgotten a decision that old, and re-driving it could act on it a second time
     */
    DeadLetterController(DeadLetterStore deadLetters, TransactionTemplate tx, Outbox outbox, MeterRegistry meters,
                         java.time.Duration maxAge, String workspace) {
        this.workspace = workspace;
        this.maxAge = maxAge;
        this.deadLetters = deadLetters;
        this.tx = tx;
        this.outbox = outbox;
        this.meters = meters;
        for (Topic<?> topic : Topics.ALL) {
            counter(topic.name());
        }
    }

    /** A dead letter; {@code id} is what a re-drive names. {@code payload} is the record's JSON, or its text. */
    record DeadLetter(long id, UUID eventId, String topic, String originalTopic, String key, String type,
                      Instant occurredAt, Instant deadLetteredAt, String error, List<Redrive> redrives,
                      JsonNode payload) {
    }

    record Page(List<DeadLetter> items, String next) {
    }

    /**
     * Either {@code ids} or {@code topic} with {@code from} and {@code to} (occurrence time, {@code [from, to)}).
     *
     * @param force  re-drive also those re-driven before
     * @param reason why (kept with the re-drive)
     */
    record RedriveRequest(List<Long> ids, String topic, Instant from, Instant to, Boolean force, String reason) {

        /** Absent means no (a primitive would make Jackson refuse a body without it). */
        boolean forced() {
            return Boolean.TRUE.equals(force);
        }
    }

    /**
     * @param redriven        dead letters republished now
     * @param alreadyRedriven chosen by id but re-driven before (send {@code force} to do it again)
     * @param notFound        ids that are no dead letter the log holds
     * @param tooOld          dead-lettered longer ago than {@code aof.logger.dead-letters.redrive-max-age}: not
     *                        re-driven (send {@code force} to do it anyway, after checking it was not acted on since)
     */
    record RedriveResult(List<Long> redriven, List<Long> alreadyRedriven, List<Long> notFound, List<Long> tooOld) {
    }

    @GetMapping("/api/dead-letters")
    Page list(@RequestParam(required = false) String topic,
              @RequestParam(required = false) @DateTimeFormat(iso = DateTimeFormat.ISO.DATE_TIME) Instant from,
              @RequestParam(required = false) @DateTimeFormat(iso = DateTimeFormat.ISO.DATE_TIME) Instant to,
              @RequestParam(required = false) String after,
              @RequestParam(defaultValue = "100") int limit) {
        if (limit < 1 || limit > MAX_PAGE) {
            throw Problems.of(HttpStatus.BAD_REQUEST, "limit must be between 1 and " + MAX_PAGE);
        }
        List<Row> rows = deadLetters.page(topic == null ? null : deadLetterTopic(topic), from, to,
                after == null ? null : PageCursor.parse(after), limit);
        Map<Long, List<Redrive>> redrives = deadLetters.redrives(rows.stream().map(Row::id).toList());
        List<DeadLetter> items = new ArrayList<>(rows.size());
        for (Row r : rows) {
            items.add(new DeadLetter(r.id(), r.eventId(), r.topic(), r.originalTopic(), r.key(), r.originalType(),
                    r.occurredAt(), r.ingestedAt(), r.error(), redrives.getOrDefault(r.id(), List.of()), r.raw() != null
                    ? EventCodec.mapper().getNodeFactory().stringNode(r.raw()) : EventCodec.readTree(r.payload())));
        }
        String next = null;
        if (rows.size() == limit) {
            Row last = rows.get(rows.size() - 1);
            next = new PageCursor(last.occurredAt(), last.id()).encode();
        }
        return new Page(items, next);
    }

    @PostMapping("/api/dead-letters/redrive")
    RedriveResult redrive(@RequestBody RedriveRequest request, Principal principal) {
        if (request == null) {
            throw Problems.of(HttpStatus.BAD_REQUEST, "a body is required: {\"ids\": [...]} or "
                    + "{\"topic\": ..., \"from\": ..., \"to\": ...}");
        }
        boolean byIds = request.ids() != null && !request.ids().isEmpty();
        boolean byRange = request.topic() != null || request.from() != null || request.to() != null;
        if (byIds == byRange) {
            throw Problems.of(HttpStatus.BAD_REQUEST, "choose dead letters either by ids or by topic, from and to");
        }
        if (request.reason() != null && request.reason().length() > MAX_REASON) {
            throw Problems.of(HttpStatus.BAD_REQUEST, "reason must be at most " + MAX_REASON + " characters");
        }
        String who = Actor.of(principal, null, "re-drive of dead letters");
        if (byIds) {
            if (request.ids().size() > MAX_REDRIVE) {
                throw Problems.of(HttpStatus.BAD_REQUEST, "at most " + MAX_REDRIVE + " ids per call");
            }
            if (request.ids().stream().anyMatch(java.util.Objects::isNull)) {
                throw Problems.of(HttpStatus.BAD_REQUEST, "ids must not contain null");
            }
        } else {
            if (request.topic() == null || request.from() == null || request.to() == null) {
                throw Problems.of(HttpStatus.BAD_REQUEST, "topic, from and to are all required to choose by range");
            }
            if (!request.to().isAfter(request.from())) {
                throw Problems.of(HttpStatus.BAD_REQUEST, "to must be after from");
            }
        }
        String topic = byRange ? deadLetterTopic(request.topic()) : null;
        RedriveResult result = tx.execute(status -> {
            List<Row> chosen;
            List<Long> notFound = new ArrayList<>();
            if (byIds) {
                Set<Long> ids = new LinkedHashSet<>(request.ids());
                chosen = deadLetters.lockByIds(ids);
                Set<Long> found = new java.util.HashSet<>();
                chosen.forEach(r -> found.add(r.id()));
                ids.stream().filter(id -> !found.contains(id)).forEach(notFound::add);
            } else {
                chosen = deadLetters.lockRange(topic, request.from(), request.to(), request.forced(),
                        MAX_REDRIVE + 1);
                if (chosen.size() > MAX_REDRIVE) {
                    throw Problems.of(HttpStatus.BAD_REQUEST, "more than " + MAX_REDRIVE + " dead letters of " + topic
                            + " in that range: narrow it (at most " + MAX_REDRIVE + " per call)");
                }
            }
            List<Long> done = new ArrayList<>();
            List<Long> already = new ArrayList<>();
            List<Long> tooOld = new ArrayList<>();
            Instant oldest = deadLetters.now().minus(maxAge);
            for (Row r : chosen) {
                if (!request.forced() && r.ingestedAt().isBefore(oldest)) {
                    tooOld.add(r.id());
                } else if (redriveOne(r, request.forced(), who, request.reason())) {
                    done.add(r.id());
                } else {
                    already.add(r.id());
                }
            }
            if (!done.isEmpty()) {
                String target = done.size() + " dead letter(s) " + (byIds ? "by id: " + abbreviated(done)
                        : "of " + topic + " from " + request.from() + " to " + request.to())
                        + (request.forced() ? " (forced)" : "");
                OperatorActed acted = OperatorActed.of(workspace, who, OperatorActed.Action.DEAD_LETTER_REDRIVE,
                        null, null, target, request.reason());
                outbox.append(Topics.OPERATOR_ACTIONS, acted.key(), acted);
            }
            return new RedriveResult(done, already, notFound, tooOld);
        });
        log.info("{} re-drove {} dead letter(s) ({} re-driven before, {} not found, {} too old){}", who,
                result.redriven().size(), result.alreadyRedriven().size(), result.notFound().size(),
                result.tooOld().size(),
                request.reason() != null ? ": " + request.reason() : "");
        return result;
    }

    /** At most the first 20 ids, then how many more. */
    private static String abbreviated(List<Long> ids) {
        String shown = ids.stream().limit(20).map(String::valueOf).collect(java.util.stream.Collectors.joining(", "));
        return ids.size() > 20 ? shown + " and " + (ids.size() - 20) + " more" : shown;
    }

    /** Records the re-drive and republishes the dead letter; false when it was re-driven before and not forced. */
    private boolean redriveOne(Row r, boolean force, String who, String reason) {
        UUID eventId = r.originalEventId();
        if (!deadLetters.recordRedrive(r, eventId, force, who, reason)) {
            return false;
        }
        // a row of that event still waiting in the outbox goes out anyway: nothing to add
        outbox.appendEncoded(r.originalTopic(), r.key(), eventId != null ? eventId
                : UUID.randomUUID(), r.originalType(), r.original());
        counter(r.originalTopic()).increment();
        return true;
    }

    /** The dead-letter topic of a known topic, named either way. */
    private static String deadLetterTopic(String topic) {
        String base = topic.endsWith(Topics.DLT_SUFFIX)
                ? topic.substring(0, topic.length() - Topics.DLT_SUFFIX.length()) : topic;
        for (Topic<?> t : Topics.ALL) {
            if (t.name().equals(base)) {
                return t.deadLetterName();
            }
        }
        throw Problems.of(HttpStatus.BAD_REQUEST, "unknown topic " + topic + "; one of " + Topics.ALL.stream()
                .map(Topic::name).toList());
    }


    private Counter counter(String topic) {
        return redriven.computeIfAbsent(topic, t -> Counter.builder("aof.dlt.redriven")
                .description("dead letters republished to their original topic by an operator").tag("topic", t)
                .register(meters));
    }
}
