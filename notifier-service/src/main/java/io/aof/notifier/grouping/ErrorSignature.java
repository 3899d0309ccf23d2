package io.aof.notifier.grouping;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * What failures "with the same error" share: the error text normalised so that what differs from job to job
 * (ids, numbers, addresses, quoted values) does not, plus the category. Computed by the notifier where it takes a
 * notification in ({@link SignatureStorms}); the events do not carry it.
 * <p>
 * Normalised: lower case; UUIDs, e-mail addresses, quoted values ({@code "..."}, {@code '...'}, {@code `...`}),
 * hex ids ({@code 0x1f}, 8 or more hex digits mixing letters and digits) and other ids mixing letters and digits
 * (6 or more) become placeholders; every run of digits becomes {@code #}; whitespace is collapsed; the first
 * {@value #MAX_TEXT} characters are kept.
 *
 * @param key      what alerts of one signature share: a hash of the category and the normalised text
 * @param text     the normalised text (what a storm's message names)
 * @param category the error category (part of the signature: the same text in two categories is two signatures)
 */
record ErrorSignature(String key, String text, String category) {

    static final int MAX_TEXT = 200;

    private static final Pattern UUID = Pattern.compile(
            "\\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\\b");
    private static final Pattern EMAIL = Pattern.compile("[a-z0-9._%+-]+@[a-z0-9-]+(\\.[a-z0-9-]+)*\\.[a-z]{2,}");
    private static final Pattern DOUBLE_QUOTED = Pattern.compile("\"[^\"\\n]{0,500}\"");
    /** Not an apostrophe inside a word ({@code can't}, {@code customer's}): a quote opens after a non-letter. */
    private static final Pattern SINGLE_QUOTED = Pattern.compile(
            "(?<![\\p{L}\\p{N}])'[^'\\n]{0,500}'(?![\\p{L}\\p{N}])");
    private static final Pattern BACKTICKED = Pattern.compile("`[^`\\n]{0,500}`");
    private static final Pattern HEX = Pattern.compile(
            "\\b0x[0-9a-f]+\\b|\\b(?=[0-9a-f]*[0-9])(?=[0-9a-f]*[a-f])[0-9a-f]{8,}\\b");
    /** Record ids like Salesforce's {@code 001d000000irfmaiah}: letters and digits mixed, 6 or more. */
    private static final Pattern MIXED_ID = Pattern.compile(
            "\\b(?=[a-z_-]*[0-9])(?=[0-9_-]*[a-z])[a-z0-9_-]{6,}\\b");
    private static final Pattern DIGITS = Pattern.compile("[0-9]+");
    private static final Pattern SPACE = Pattern.compile("\\s+");

    /** The signature of {@code error} in {@code category}; null when there is no error text to share. */
    static ErrorSignature of(String error, String category) {
        if (error == null || error.isBlank()) {
            return null;
        }
        String text = normalise(error);
        if (text.isEmpty()) {
            return null;
        }
        String cat = category == null ? "" : category;
        return new ErrorSignature(hash(cat + "\n" + text), text, category);
    }

    /** The error text as signatures compare it. */
    static String normalise(String error) {
        // a long error: only its start matters (and a bounded input keeps the patterns cheap)
        String s = error.length() > 4 * MAX_TEXT ? error.substring(0, 4 * MAX_TEXT) : error;
        s = s.toLowerCase(Locale.ROOT);
        s = UUID.matcher(s).replaceAll("<uuid>");
        s = EMAIL.matcher(s).replaceAll("<email>");
        s = DOUBLE_QUOTED.matcher(s).replaceAll("\"<value>\"");
        s = SINGLE_QUOTED.matcher(s).replaceAll("'<value>'");
        s = BACKTICKED.matcher(s).replaceAll("`<value>`");
        s = HEX.matcher(s).replaceAll("<hex>");
        s = MIXED_ID.matcher(s).replaceAll("<id>");
        s = DIGITS.matcher(s).replaceAll("#");
        s = SPACE.matcher(s).replaceAll(" ").strip();
        return s.length() > MAX_TEXT ? s.substring(0, MAX_TEXT).strip() : s;
    }

    private static String hash(String s) {
        try {
            byte[] h = MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(h, 0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }
}
