package io.aof.logger.eventlog;

import io.aof.common.events.EventCodec;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;
import tools.jackson.databind.node.StringNode;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Takes customer data out of what the event log stores, when {@code aof.logger.redaction.enabled}
 * ({@link RedactionProperties}). Every match of a pattern in force becomes {@code [redacted:<pattern>]} and is
 * counted ({@code aof.logger.redactions{pattern}}). Applied to every string value of a stored payload, at any
 * depth, but never to names (keys), numbers or booleans, nor to the top-level identifier fields of an AOF event
 * ({@link #KEPT}: ids, states, categories, times; they are never customer text and must stay searchable); and to
 * the text kept of a record that is not JSON or that the database refused, and the dead-letter error text.
 * <p>
 * Built-in patterns, applied in this order (an IBAN before cards, so its digits are not taken for a card), then
 * the custom ones:
 * <ul>
 *   <li>{@code email}: {@code local@domain.tld} (letters of any script, digits and {@code ._%+-} before the
 *   {@code @}; a domain with at least one dot);</li>
 *   <li>{@code iban}: two capital letters, two digits, 11 to 30 capitals or digits (spaces allowed between
 *   groups) that pass the ISO 13616 mod-97 check;</li>
 *   <li>{@code card}: 13 to 19 digits, a single space or dash allowed between digit groups, not glued to letters or
 *   further digits, that pass the Luhn check; a 13-digit one must start with 4 (only Visa issued 13-digit
 *   numbers), so an epoch-millis time is never taken for a card; order numbers mostly survive (1 in 10 random
 *   numbers passes Luhn).</li>
 * </ul>
 * Bounded: each pattern reads each text through a {@link CharSequence} that allows a fixed number of character
 * reads ({@link #BASE_STEPS} plus {@link #STEPS_PER_CHAR} per character; the built-in patterns need a few per
 * character), so a pathological custom regex (catastrophic backtracking) gives up instead of holding the consumer.
 * Redaction never throws and never loses an event: a pattern that gives up or fails on a text makes that whole
 * text {@code [redacted:unchecked]} (the text is not stored unchecked), counted as
 * {@code aof.logger.redaction.failures{pattern}} and logged once per pattern; the event and its ids are stored.
 */
@Component
public class Redactor {

    private static final Logger log = LoggerFactory.getLogger(Redactor.class);

    /** Stands for a whole text a pattern gave up on. */
    static final String UNCHECKED = "unchecked";

    /** Character reads a pattern may make on a text: this plus {@link #STEPS_PER_CHAR} per character. */
    static final long BASE_STEPS = 20_000;
    static final long STEPS_PER_CHAR = 64;

    /**
     * Top-level fields of AOF events (common's {@code io.aof.common.events}) that are identifiers, states,
     * categories or times set by AOF or Workato, never customer text: kept as they are so they stay searchable
     * (a numeric job id that passes the Luhn check is not a card). The actors ({@code requestedBy},
     * {@code resolvedBy}) and the destination ({@code channel}) are AOF's own audit data. Free text
     * ({@code error}, {@code lastError}, {@code reason}, {@code recipeName}, {@code title}, {@code stopCause}, a
     * job report, a dead letter's {@code raw}) is redacted.
     */
    static final Set<String> KEPT = Set.of(
            "eventId", "occurredAt", "schemaVersion", "type", "workspace", "recipeId", "folderId", "jobId",
            "masterJobId", "incidentId", "repeatJobId", "attempt", "state", "previousState", "category",
            "errorType", "httpStatus", "source", "status", "requestId", "dedupKey", "audience", "kind", "severity",
            "channel", "messageTs", "requestedBy", "resolvedBy", "actor", "action", "webhookSource", "dueAt",
            "nextTryAt", "nextRetryAt", "suppressedUntil", "stoppedAt", "takenAt", "lastRunAt", "jobStartedAt",
            "jobCompletedAt", "duration");

    private final boolean enabled;
    private final List<Rule> rules;

    Redactor(RedactionProperties properties, MeterRegistry meters) {
        List<Rule> all = new ArrayList<>();
        for (String name : properties.builtIns()) {
            all.add(switch (name) {
                case "email" -> new EmailRule();
                case "card" -> new CardRule();
                case "iban" -> new IbanRule();
                default -> throw new IllegalStateException("no built-in pattern " + name);
            });
        }
        for (RedactionProperties.Custom c : properties.custom()) {
            all.add(new RegexRule(c.name(), Pattern.compile(c.regex())));
        }
        this.enabled = properties.enabled() && !all.isEmpty();
        this.rules = List.copyOf(all);
        // registered at start, so a dashboard shows 0 rather than nothing; the built-ins also when off
        List<String> names = new ArrayList<>(RedactionProperties.BUILT_IN);
        properties.custom().forEach(c -> names.add(c.name()));
        for (String name : names) {
            Counter done = Counter.builder("aof.logger.redactions").tag("pattern", name)
                    .description("matches replaced by [redacted:<pattern>] in what the event log stores")
                    .register(meters);
            Counter failed = Counter.builder("aof.logger.redaction.failures").tag("pattern", name)
                    .description("texts a pattern gave up on (too costly or failed), stored as [redacted:unchecked]")
                    .register(meters);
            for (Rule r : rules) {
                if (r.name.equals(name)) {
                    r.done = done;
                    r.failed = failed;
                }
            }
        }
    }

    /** True when anything is redacted. */
    public boolean enabled() {
        return enabled;
    }

    /** The text with every match of every pattern in force replaced; as is when off. Never throws. */
    public String text(String text) {
        if (!enabled || text == null || text.isEmpty()) {
            return text;
        }
        String out = text;
        for (Rule r : rules) {
            try {
                out = r.apply(out);
            } catch (RuntimeException | StackOverflowError e) {
                r.failed.increment();
                if (r.warned.compareAndSet(false, true)) {
                    log.warn("Redaction pattern '{}' gave up on a text of {} characters ({}); the whole text is "
                                    + "stored as [redacted:{}] (counted in aof.logger.redaction.failures; said once "
                                    + "per pattern)", r.name, out.length(),
                            e instanceof TooCostly ? "more than " + budget(out) + " character reads" : e.toString(),
                            UNCHECKED);
                }
                return "[redacted:" + UNCHECKED + "]";
            }
        }
        return out;
    }

    /**
     * The payload with its string values redacted, except the top-level {@link #KEPT} fields of an object; as is
     * when off. Never throws: should walking the tree itself fail, only the kept fields are stored.
     */
    public JsonNode tree(JsonNode json) {
        if (!enabled || json == null) {
            return json;
        }
        try {
            if (!json.isObject()) {
                return value(json);
            }
            ObjectNode out = EventCodec.mapper().createObjectNode();
            for (Map.Entry<String, JsonNode> e : json.properties()) {
                out.set(e.getKey(), KEPT.contains(e.getKey()) ? e.getValue() : value(e.getValue()));
            }
            return out;
        } catch (RuntimeException | StackOverflowError e) {
            log.warn("Could not redact a payload ({}); storing only its identifier fields", e.toString());
            ObjectNode out = EventCodec.mapper().createObjectNode();
            if (json.isObject()) {
                for (Map.Entry<String, JsonNode> f : json.properties()) {
                    if (KEPT.contains(f.getKey())) {
                        out.set(f.getKey(), f.getValue());
                    }
                }
            }
            out.put("redacted", "[redacted:" + UNCHECKED + "]");
            return out;
        }
    }

    private JsonNode value(JsonNode node) {
        if (node.isString()) {
            String s = node.stringValue();
            String r = text(s);
            return r.equals(s) ? node : StringNode.valueOf(r);
        }
        if (node.isObject()) {
            ObjectNode out = EventCodec.mapper().createObjectNode();
            for (Map.Entry<String, JsonNode> e : node.properties()) {
                out.set(e.getKey(), value(e.getValue()));
            }
            return out;
        }
        if (node.isArray()) {
            ArrayNode out = EventCodec.mapper().createArrayNode();
            for (JsonNode e : node.values()) {
                out.add(value(e));
            }
            return out;
        }
        return node;
    }

    static long budget(String text) {
        return BASE_STEPS + STEPS_PER_CHAR * text.length();
    }

    /** A pattern: finds the spans of a text to replace by {@code [redacted:<name>]}. */
    private abstract static class Rule {
        final String name;
        final String marker;
        final AtomicBoolean warned = new AtomicBoolean();
        Counter done;
        Counter failed;

        Rule(String name) {
            this.name = name;
            this.marker = "[redacted:" + name + "]";
        }

        /** Adds the spans {@code [start, end)} to replace, in order and not overlapping. */
        abstract void spans(CharSequence bounded, String text, List<int[]> out);

        /** False when the text cannot hold a match (a cheap look before the regex). */
        boolean mayMatch(String text) {
            return true;
        }

        String apply(String text) {
            if (!mayMatch(text)) {
                return text;
            }
            List<int[]> spans = new ArrayList<>();
            spans(new Bounded(text, budget(text)), text, spans);
            if (spans.isEmpty()) {
                return text;
            }
            StringBuilder b = new StringBuilder(text.length() + spans.size() * marker.length());
            int at = 0;
            for (int[] s : spans) {
                b.append(text, at, s[0]).append(marker);
                at = s[1];
            }
            b.append(text, at, text.length());
            done.increment(spans.size());
            return b.toString();
        }
    }

    /** An operator's regex: every non-empty match. */
    private static final class RegexRule extends Rule {
        private final Pattern pattern;

        RegexRule(String name, Pattern pattern) {
            super(name);
            this.pattern = pattern;
        }

        @Override
        void spans(CharSequence bounded, String text, List<int[]> out) {
            Matcher m = pattern.matcher(bounded);
            while (m.find()) {
                if (m.end() > m.start()) {
                    out.add(new int[]{m.start(), m.end()});
                }
            }
        }
    }

    /** {@code local@domain.tld}; a dot ending a sentence is not part of it. No nested quantifier: linear. */
    private static final class EmailRule extends Rule {
        private static final Pattern EMAIL = Pattern.compile(
                "(?<![\\p{L}\\p{N}._%+-])[\\p{L}\\p{N}._%+-]++@[\\p{L}\\p{N}-]++\\.[\\p{L}\\p{N}.-]*+");

        EmailRule() {
            super("email");
        }

        @Override
        boolean mayMatch(String text) {
            return text.indexOf('@') >= 0;
        }

        @Override
        void spans(CharSequence bounded, String text, List<int[]> out) {
            Matcher m = EMAIL.matcher(bounded);
            while (m.find()) {
                int end = m.end();
                while (text.charAt(end - 1) == '.' || text.charAt(end - 1) == '-') {
                    end--;
                }
                if (text.substring(text.indexOf('@', m.start()), end).indexOf('.') > 0) {
                    out.add(new int[]{m.start(), end});
                }
            }
        }
    }

    /**
     * Digits with single spaces or dashes between groups, not glued to letters or digits; within such a run, the
     * longest span of whole groups with 13 to 19 digits that passes the Luhn check (a 13-digit one starting with 4).
     */
    private static final class CardRule extends Rule {
        private static final Pattern CANDIDATE = Pattern.compile("(?<![\\p{L}\\p{N}_])[0-9][0-9 -]*+");

        CardRule() {
            super("card");
        }

        @Override
        boolean mayMatch(String text) {
            return digits(text, 13);
        }

        @Override
        void spans(CharSequence bounded, String text, List<int[]> out) {
            Matcher m = CANDIDATE.matcher(bounded);
            while (m.find()) {
                groupSpans(text, m.start(), unglued(text, m.start(), m.end(), '-'), 13, 19, '-', CardRule::isCard,
                        out);
            }
        }

        static boolean isCard(String digits) {
            if (digits.length() == 13 && digits.charAt(0) != '4') {
                return false;
            }
            int sum = 0;
            boolean twice = false;
            for (int i = digits.length() - 1; i >= 0; i--) {
                int d = digits.charAt(i) - '0';
                if (twice) {
                    d *= 2;
                    if (d > 9) {
                        d -= 9;
                    }
                }
                sum += d;
                twice = !twice;
            }
            return sum % 10 == 0;
        }
    }

    /** {@code CC99} and 11 to 30 capitals or digits, single spaces allowed between groups, passing mod 97. */
    private static final class IbanRule extends Rule {
        private static final Pattern CANDIDATE = Pattern.compile("(?<![\\p{L}\\p{N}_])[A-Z]{2}[0-9]{2}[A-Z0-9 ]*+");

        IbanRule() {
            super("iban");
        }

        @Override
        boolean mayMatch(String text) {
            return text.length() >= 15 && digits(text, 2);
        }

        @Override
        void spans(CharSequence bounded, String text, List<int[]> out) {
            Matcher m = CANDIDATE.matcher(bounded);
            while (m.find()) {
                groupSpans(text, m.start(), unglued(text, m.start(), m.end(), ' '), 15, 34, ' ', IbanRule::isIban,
                        out);
            }
        }

        static boolean isIban(String s) {
            if (!(Character.isUpperCase(s.charAt(0)) && Character.isUpperCase(s.charAt(1))
                    && Character.isDigit(s.charAt(2)) && Character.isDigit(s.charAt(3)))) {
                return false;
            }
            String moved = s.substring(4) + s.substring(0, 4);
            int rest = 0;
            for (int i = 0; i < moved.length(); i++) {
                char c = moved.charAt(i);
                int v = c >= 'A' && c <= 'Z' ? c - 'A' + 10 : c - '0';
                rest = (v >= 10 ? rest * 100 + v : rest * 10 + v) % 97;
            }
            return rest == 1;
        }
    }

    /** True when the text holds at least {@code n} ASCII digits. */
    private static boolean digits(String text, int n) {
        int found = 0;
        for (int i = 0; i < text.length() && found < n; i++) {
            char c = text.charAt(i);
            if (c >= '0' && c <= '9') {
                found++;
            }
        }
        return found >= n;
    }

    /**
     * The end of candidate {@code text[from, to)} without trailing separators and without its last group when a
     * letter, digit or underscore follows it ("4111...1111abc" is part of a word or id, not a number of its own).
     */
    private static int unglued(String text, int from, int to, char otherSeparator) {
        int end = to;
        while (end > from && separator(text.charAt(end - 1), otherSeparator)) {
            end--;
        }
        if (end < text.length() && (Character.isLetterOrDigit(text.charAt(end)) || text.charAt(end) == '_')) {
            while (end > from && !separator(text.charAt(end - 1), otherSeparator)) {
                end--;
            }
            while (end > from && separator(text.charAt(end - 1), otherSeparator)) {
                end--;
            }
        }
        return end;
    }

    /**
     * Splits {@code text[from, to)} into groups (runs of characters other than the separators {@code ' '} and
     * {@code otherSeparator}); two separators in a row, or one at the end, end a run. Within each run, from each
     * group, the longest span of whole groups holding {@code min..max} characters that {@code valid} accepts
     * (given without separators) is added, and the search goes on after it.
     */
    private static void groupSpans(String text, int from, int to, int min, int max, char otherSeparator,
                                   java.util.function.Predicate<String> valid, List<int[]> out) {
        List<int[]> groups = new ArrayList<>();
        int i = from;
        while (i < to) {
            int start = i;
            while (i < to && !separator(text.charAt(i), otherSeparator)) {
                i++;
            }
            groups.add(new int[]{start, i});
            if (i + 1 < to && !separator(text.charAt(i + 1), otherSeparator)) {
                i++;   // one separator: the run goes on
            } else {
                spansOfRun(text, groups, min, max, valid, out);
                groups.clear();
                while (i < to && separator(text.charAt(i), otherSeparator)) {
                    i++;
                }
            }
        }
        spansOfRun(text, groups, min, max, valid, out);
    }

    private static boolean separator(char c, char other) {
        return c == ' ' || c == other;
    }

    private static void spansOfRun(String text, List<int[]> groups, int min, int max,
                                   java.util.function.Predicate<String> valid, List<int[]> out) {
        int g = 0;
        while (g < groups.size()) {
            StringBuilder chars = new StringBuilder(max);
            int best = -1;
            for (int j = g; j < groups.size(); j++) {
                chars.append(text, groups.get(j)[0], groups.get(j)[1]);
                if (chars.length() > max) {
                    break;
                }
                if (chars.length() >= min && valid.test(chars.toString())) {
                    best = j;
                }
            }
            if (best >= 0) {
                out.add(new int[]{groups.get(g)[0], groups.get(best)[1]});
                g = best + 1;
            } else {
                g++;
            }
        }
    }

    /** Gave up: more character reads than the text's budget. */
    private static final class TooCostly extends RuntimeException {
        TooCostly() {
            super("too costly", null, false, false);
        }
    }

    /** The text as a regex reads it, allowing at most {@code budget} character reads. */
    private static final class Bounded implements CharSequence {
        private final String text;
        private long left;

        Bounded(String text, long budget) {
            this.text = text;
            this.left = budget;
        }

        @Override
        public char charAt(int index) {
            if (--left < 0) {
                throw new TooCostly();
            }
            return text.charAt(index);
        }

        @Override
        public int length() {
            return text.length();
        }

        @Override
        public CharSequence subSequence(int start, int end) {
            return new Bounded(text.substring(start, end), left);
        }

        @Override
        public String toString() {
            return text;
        }
    }
}
