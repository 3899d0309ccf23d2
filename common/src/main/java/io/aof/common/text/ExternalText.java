package io.aof.common.text;

/**
 * The one sanitizer for text that comes from outside AOF (the webhook, polled
 * Workato jobs, repeat results, Slack and other channel answers), applied where
 * it enters, so nothing downstream (PostgreSQL {@code text}/{@code jsonb}, Kafka's
 * record size, Slack, logs) has to cope with it:
 * <ul>
 *   <li>U+0000 and other C0/C1 control characters except tab, line feed and
 *   carriage return are removed (PostgreSQL refuses U+0000 in {@code text} and
 *   {@code \u0000} in {@code jsonb});</li>
 *   <li>a lone UTF-16 surrogate (what invalid UTF-8 or a cut emoji becomes) is
 *   replaced by U+FFFD;</li>
 *   <li>the text is cut to a maximum number of characters, never inside a
 *   surrogate pair, and the cut is said in the text itself.</li>
 * </ul>
 * Caps (also in the README): {@link #ERROR_MAX_CHARS} for error texts,
 * {@link #FIELD_MAX_CHARS} for names, titles and ids.
 */
public final class ExternalText {

    /** Error texts (a Workato job's {@code error}, a repeat's error, a channel's answer). */
    public static final int ERROR_MAX_CHARS = 16_384;

    /** Short fields: recipe names, job titles, ids, handles, error types. */
    public static final int FIELD_MAX_CHARS = 1_024;

    static final String CUT_MARK = "… [cut by AOF: %d characters in all]";

    private ExternalText() {
    }

    /** An error text: cleaned and cut to {@link #ERROR_MAX_CHARS}. Null stays null. */
    public static String error(String text) {
        return clean(text, ERROR_MAX_CHARS);
    }

    /** A short field: cleaned and cut to {@link #FIELD_MAX_CHARS}. Null stays null. */
    public static String field(String text) {
        return clean(text, FIELD_MAX_CHARS);
    }

    /** Cleans {@code text} and cuts it to at most {@code maxChars} characters (the cut mark included). */
    public static String clean(String text, int maxChars) {
        if (text == null) {
            return null;
        }
        if (maxChars < 64) {
            throw new IllegalArgumentException("maxChars must be at least 64, was " + maxChars);
        }
        if (isClean(text) && text.length() <= maxChars) {
            return text;
        }
        StringBuilder out = new StringBuilder(Math.min(text.length(), maxChars));
        int n = text.length();
        for (int i = 0; i < n; i++) {
            char c = text.charAt(i);
            if (Character.isHighSurrogate(c)) {
                if (i + 1 < n && Character.isLowSurrogate(text.charAt(i + 1))) {
                    out.append(c).append(text.charAt(++i));
                } else {
                    out.append('\uFFFD');
                }
            } else if (Character.isLowSurrogate(c)) {
                out.append('\uFFFD');
            } else if (!isControl(c)) {
                out.append(c);
            }
        }
        if (out.length() <= maxChars) {
            return out.toString();
        }
        String mark = String.format(CUT_MARK, out.length());
        int keep = maxChars - mark.length();
        if (Character.isLowSurrogate(out.charAt(keep)) && keep > 0) {
            keep--;
        }
        return out.substring(0, keep) + mark;
    }

    /** True when {@code text} needs no cleaning (its length aside). */
    public static boolean isClean(String text) {
        int n = text.length();
        for (int i = 0; i < n; i++) {
            char c = text.charAt(i);
            if (isControl(c)) {
                return false;
            }
            if (Character.isHighSurrogate(c)) {
                if (i + 1 >= n || !Character.isLowSurrogate(text.charAt(i + 1))) {
                    return false;
                }
                i++;
            } else if (Character.isLowSurrogate(c)) {
                return false;
            }
        }
        return true;
    }

    private static boolean isControl(char c) {
        return (c < 0x20 && c != '\t' && c != '\n' && c != '\r') || (c >= 0x7F && c <= 0x9F);
    }
}
