package io.aof.logger;

import io.aof.common.events.EventCodec;
import io.aof.common.events.OperatorActed;
import io.aof.common.messaging.AofProperties;
import io.aof.common.events.Topic;
import io.aof.common.events.Topics;
import io.aof.common.messaging.Outbox;
import io.aof.common.ops.Actor;
import io.aof.common.ops.PageCursor;
import io.aof.common.ops.Problems;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.format.annotation.DateTimeFormat;
import org.springframework.http.HttpStatus;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.core.RowMapper;
import org.springframework.transaction.support.TransactionTemplate;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.databind.JsonNode;

import java.security.Principal;
import java.sql.Timestamp;
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
    private static final String SUFFIX = " (dead letter)";

    private static final String COLUMNS = "e.id, e.event_id, e.topic, e.message_key, e.event_type, e.occurred_at, "
            + "e.ingested_at, e.error, e.payload::text, e.raw_payload";

    private final JdbcTemplate jdbc;
    private final TransactionTemplate tx;
    private final Outbox outbox;
    private final MeterRegistry meters;
    private final Map<String, Counter> redriven = new ConcurrentHashMap<>();
    private final java.time.Duration maxAge;
    private final String workspace;

    /**
     * @param maxAge dead letters older than this (since they were dead-lettered) are re-driven only when forced:
     *               the consumers' own deduplication (the inbox, kept 14 days; recovery's requests, 30 days) may
     *               have forgotten a decision that old, and re-driving it could act on it a second time
     */
    @org.springframework.beans.factory.annotation.Autowired
    DeadLetterController(JdbcTemplate jdbc, TransactionTemplate tx, Outbox outbox, MeterRegistry meters,
                         @org.springframework.beans.factory.annotation.Value(
                                 "${aof.logger.dead-letters.redrive-max-age:13d}") java.time.Duration maxAge,
                         AofProperties aof) {
        this(jdbc, tx, outbox, meters, maxAge, aof.workspace());
    }

    DeadLetterController(JdbcTemplate jdbc, TransactionTemplate tx, Outbox outbox, MeterRegistry meters,
                         java.time.Duration maxAge, String workspace) {
        this.workspace = workspace;
        if (maxAge.isNegative() || maxAge.isZero()) {
            throw new IllegalStateException("aof.logger.dead-letters.redrive-max-age must be positive, was " + maxAge);
        }
        this.maxAge = maxAge;
        this.jdbc = jdbc;
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

    record Redrive(Instant at, String by, boolean forced, String reason) {
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

    private record Row(long id, UUID eventId, String topic, String key, String type, Instant occurredAt,
                       Instant ingestedAt, String error, String payload, String raw) {

        String originalTopic() {
            return topic.substring(0, topic.length() - Topics.DLT_SUFFIX.length());
        }

        String originalType() {
            return type.endsWith(SUFFIX) ? type.substring(0, type.length() - SUFFIX.length()) : type;
        }

        /** The record as it was: its text when it was not stored as its own JSON. */
        String original() {
            return raw != null ? raw : payload;
        }
    }

    private static final RowMapper<Row> ROWS = (rs, i) -> new Row(rs.getLong(1), rs.getObject(2, UUID.class),
            rs.getString(3), rs.getString(4), rs.getString(5), rs.getTimestamp(6).toInstant(),
            rs.getTimestamp(7).toInstant(), rs.getString(8), rs.getString(9), rs.getString(10));

    @GetMapping("/api/dead-letters")
    Page list(@RequestParam(required = false) String topic,
              @RequestParam(required = false) @DateTimeFormat(iso = DateTimeFormat.ISO.DATE_TIME) Instant from,
              @RequestParam(required = false) @DateTimeFormat(iso = DateTimeFormat.ISO.DATE_TIME) Instant to,
              @RequestParam(required = false) String after,
              @RequestParam(defaultValue = "100") int limit) {
        if (limit < 1 || limit > MAX_PAGE) {
            throw Problems.of(HttpStatus.BAD_REQUEST, "limit must be between 1 and " + MAX_PAGE);
        }
        List<Row> rows = new EventLogQuery("SELECT " + COLUMNS + " FROM event_log e WHERE e.dead_letter", "e.")
                .eq("topic", topic == null ? null : deadLetterTopic(topic)).between(from, to)
                .page(jdbc, ROWS, after == null ? null : PageCursor.parse(after), limit);
        Map<Long, List<Redrive>> redrives = redrives(rows.stream().map(Row::id).toList());
        List<DeadLetter> items = new ArrayList<>(rows.size());
        for (Row r : rows) {
            items.add(new DeadLetter(r.id, r.eventId, r.topic, r.originalTopic(), r.key, r.originalType(),
                    r.occurredAt, r.ingestedAt, r.error, redrives.getOrDefault(r.id, List.of()), r.raw != null
                    ? EventCodec.mapper().getNodeFactory().stringNode(r.raw) : EventCodec.readTree(r.payload)));
        }
        String next = null;
        if (rows.size() == limit) {
            Row last = rows.get(rows.size() - 1);
            next = new PageCursor(last.occurredAt, last.id).encode();
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
                chosen = jdbc.query("SELECT " + COLUMNS + " FROM event_log e WHERE e.dead_letter AND e.id = ANY(?) "
                        + "ORDER BY e.occurred_at, e.id FOR UPDATE", ROWS, (Object) ids.toArray(Long[]::new));
                Set<Long> found = new java.util.HashSet<>();
                chosen.forEach(r -> found.add(r.id));
                ids.stream().filter(id -> !found.contains(id)).forEach(notFound::add);
            } else {
                chosen = jdbc.query("SELECT " + COLUMNS + " FROM event_log e WHERE e.dead_letter AND e.topic = ? "
                                + "AND e.occurred_at >= ? AND e.occurred_at < ? " + (request.forced() ? ""
                                : "AND NOT EXISTS (SELECT 1 FROM dead_letter_redrive d WHERE d.dead_letter_id = e.id) ")
                                + "ORDER BY e.occurred_at, e.id LIMIT ? FOR UPDATE", ROWS, topic,
                        Timestamp.from(request.from()), Timestamp.from(request.to()), MAX_REDRIVE + 1);
                if (chosen.size() > MAX_REDRIVE) {
                    throw Problems.of(HttpStatus.BAD_REQUEST, "more than " + MAX_REDRIVE + " dead letters of " + topic
                            + " in that range: narrow it (at most " + MAX_REDRIVE + " per call)");
                }
            }
            List<Long> done = new ArrayList<>();
            List<Long> already = new ArrayList<>();
            List<Long> tooOld = new ArrayList<>();
            Instant oldest = jdbc.queryForObject("SELECT now()", Timestamp.class).toInstant().minus(maxAge);
            for (Row r : chosen) {
                if (!request.forced() && r.ingestedAt().isBefore(oldest)) {
                    tooOld.add(r.id);
                } else if (redriveOne(r, request.forced(), who, request.reason())) {
                    done.add(r.id);
                } else {
                    already.add(r.id);
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
        UUID eventId = originalEventId(r);
        int first = jdbc.update("INSERT INTO dead_letter_redrive (dead_letter_id, topic, event_id, forced, redriven_by, "
                        + "reason) VALUES (?, ?, ?, false, ?, ?) ON CONFLICT (dead_letter_id) WHERE NOT forced "
                        + "DO NOTHING", r.id, r.originalTopic(), eventId, who, reason);
        if (first == 0) {
            if (!force) {
                return false;
            }
            jdbc.update("INSERT INTO dead_letter_redrive (dead_letter_id, topic, event_id, forced, redriven_by, reason) "
                    + "VALUES (?, ?, ?, true, ?, ?)", r.id, r.originalTopic(), eventId, who, reason);
        }
        // a row of that event still waiting in the outbox goes out anyway: nothing to add
        outbox.appendEncoded(r.originalTopic(), r.key, eventId != null ? eventId
                : UUID.randomUUID(), r.originalType(), r.original());
        counter(r.originalTopic()).increment();
        return true;
    }

    /** The event id the payload carries (the one consumers are idempotent on), or null. */
    private static UUID originalEventId(Row r) {
        if (r.raw != null) {
            return null;
        }
        try {
            JsonNode id = EventCodec.readTree(r.payload).get("eventId");
            return id == null || id.isNull() ? null : UUID.fromString(id.asString());
        } catch (RuntimeException e) {
            return null;
        }
    }

    /** The re-drives of a page of dead letters, in one query. */
    private Map<Long, List<Redrive>> redrives(List<Long> deadLetterIds) {
        Map<Long, List<Redrive>> byId = new java.util.HashMap<>();
        if (deadLetterIds.isEmpty()) {
            return byId;
        }
        jdbc.query("SELECT dead_letter_id, redriven_at, redriven_by, forced, reason FROM dead_letter_redrive "
                        + "WHERE dead_letter_id = ANY(?) ORDER BY redriven_at, id",
                rs -> {
                    byId.computeIfAbsent(rs.getLong(1), k -> new ArrayList<>()).add(new Redrive(
                            rs.getTimestamp(2).toInstant(), rs.getString(3), rs.getBoolean(4), rs.getString(5)));
                }, (Object) deadLetterIds.toArray(Long[]::new));
        return byId;
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
