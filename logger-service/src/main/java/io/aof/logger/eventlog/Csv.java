package io.aof.logger.eventlog;

/** CSV cells that are safe to open in a spreadsheet. */
public final class Csv {

    private Csv() {
    }

    /**
     * Defuses a leading {@code = + - @}, tab or carriage return (a spreadsheet may read a formula after any of
     * them: no formula injection), and quotes a cell holding a comma, a quote or any control character (a line
     * break, a carriage return, a tab ... inside stays inside the one cell).
     */
    public static String cell(String s) {
        if (s == null) {
            return "";
        }
        String safe = !s.isEmpty() && "=+-@\t\r".indexOf(s.charAt(0)) >= 0 ? "'" + s : s;
        return needsQuotes(safe) ? "\"" + safe.replace("\"", "\"\"") + "\"" : safe;
    }

    private static boolean needsQuotes(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == ',' || c == '"' || Character.isISOControl(c)) {
                return true;
            }
        }
        return false;
    }
}
