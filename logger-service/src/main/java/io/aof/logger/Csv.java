package io.aof.logger;

/** CSV cells that are safe to open in a spreadsheet. */
public final class Csv {

    private Csv() {
    }

    /** Quotes a cell when needed, and defuses a leading {@code = + - @} (no formula injection). */
    public static String cell(String s) {
        if (s == null) {
            return "";
        }
        String safe = s.startsWith("=") || s.startsWith("+") || s.startsWith("-") || s.startsWith("@")
                ? "'" + s : s;
        return safe.contains(",") || safe.contains("\"") || safe.contains("\n")
                ? "\"" + safe.replace("\"", "\"\"") + "\"" : safe;
    }
}
