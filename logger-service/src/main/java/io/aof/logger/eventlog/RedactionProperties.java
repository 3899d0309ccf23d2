package io.aof.logger.eventlog;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * {@code aof.logger.redaction.*}: customer data taken out of what the event log stores (see {@link Redactor}).
 * Off by default: a redacted log hides evidence an operator may need, and only the central log is redacted
 * (incidents, alerts and Workato keep the text). Checked at start: an unknown pattern, a custom pattern without a
 * name or with a name given twice, or a regex that does not compile stops the service, naming the key.
 *
 * @param enabled  redact before a record is stored (default false)
 * @param patterns the built-in patterns in force ({@link #BUILT_IN}: {@code email}, {@code iban}, {@code card});
 *                 none listed means all of them; {@code none} means none (only the custom ones)
 * @param custom   an operator's own patterns: a name (in the replacement text {@code [redacted:<name>]} and the
 *                 {@code pattern} tag of {@code aof.logger.redactions}) and a Java regex; every match is replaced
 */
@Validated
@ConfigurationProperties("aof.logger.redaction")
public record RedactionProperties(
        @DefaultValue("false") boolean enabled,
        @DefaultValue List<String> patterns,
        @DefaultValue List<Custom> custom) {

    /**
     * The built-in patterns, in the order they are applied (an IBAN before cards, so its digits are not taken for
     * a card number); custom patterns come after them.
     */
    public static final List<String> BUILT_IN = List.of("email", "iban", "card");

    /** Given as the only pattern: no built-in pattern (only the custom ones). */
    public static final String NONE = "none";

    /** What a custom pattern's name may be: it ends up in a metric tag and in the replacement text. */
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_-]{1,40}");

    public RedactionProperties {
        patterns = patterns == null ? List.of() : patterns.stream().map(p -> p == null ? "" : p.trim()
                .toLowerCase(Locale.ROOT)).filter(p -> !p.isEmpty()).distinct().toList();
        custom = custom == null ? List.of() : List.copyOf(custom);
        for (String p : patterns) {
            if (!BUILT_IN.contains(p) && !NONE.equals(p)) {
                throw new IllegalArgumentException("aof.logger.redaction.patterns: unknown pattern '" + p
                        + "'; the built-in ones are " + BUILT_IN + " (none listed: all of them; 'none': none of "
                        + "them); add your own under aof.logger.redaction.custom[n].name and .regex");
            }
        }
        if (patterns.contains(NONE) && patterns.size() > 1) {
            throw new IllegalArgumentException("aof.logger.redaction.patterns: 'none' cannot be listed with other "
                    + "patterns: " + patterns);
        }
        Set<String> names = new HashSet<>();
        for (int i = 0; i < custom.size(); i++) {
            Custom c = custom.get(i);
            String key = "aof.logger.redaction.custom[" + i + "]";
            if (c == null || c.name() == null || !NAME.matcher(c.name()).matches()) {
                throw new IllegalArgumentException(key + ".name must be 1 to 40 letters, digits, '_' or '-' (it "
                        + "names the pattern in [redacted:<name>] and in the metric), was "
                        + (c == null ? null : c.name()));
            }
            String lower = c.name().toLowerCase(Locale.ROOT);
            if (BUILT_IN.contains(lower) || NONE.equals(lower) || Redactor.UNCHECKED.equals(lower)
                    || !names.add(lower)) {
                throw new IllegalArgumentException(key + ".name '" + c.name() + "' is taken (a built-in pattern, "
                        + "'none', '" + Redactor.UNCHECKED + "' or another custom pattern's name)");
            }
            if (c.regex() == null || c.regex().isEmpty()) {
                throw new IllegalArgumentException(key + ".regex must be set");
            }
            try {
                Pattern.compile(c.regex());
            } catch (PatternSyntaxException e) {
                throw new IllegalArgumentException(key + ".regex is not a valid Java regular expression: "
                        + e.getDescription() + " near index " + e.getIndex() + " of " + c.regex());
            }
        }
    }

    /** The built-in patterns in force, in {@link #BUILT_IN} order: all when none is listed. */
    public List<String> builtIns() {
        if (patterns.isEmpty()) {
            return BUILT_IN;
        }
        List<String> in = new ArrayList<>();
        for (String p : BUILT_IN) {
            if (patterns.contains(p)) {
                in.add(p);
            }
        }
        return in;
    }

    /**
     * @param name  names the pattern in {@code [redacted:<name>]} and the metric's tag
     * @param regex a Java regular expression; each non-empty match is replaced
     */
    public record Custom(String name, String regex) {
    }
}
