package dev.resident.web;

/**
 * A client's value as a log line may show it: cut to a length, with control characters (C0 and
 * C1), line separators, spaces and quotes replaced (a client sends such values as often as it likes, and a log line must stay
 * one line whose fields can be told apart).
 */
public final class LogText {
    private LogText() {
    }

    /** {@code text} cut to {@code max} characters (then "…"), or "-" for none. */
    public static String clean(String text, int max) {
        if (text == null) {
            return "-";
        }
        StringBuilder out = new StringBuilder(Math.min(text.length(), max));
        for (int i = 0; i < text.length() && out.length() < max; i++) {
            char c = text.charAt(i);
            out.append(unsafe(c) ? '_' : c);
        }
        return text.length() > max ? out + "…" : out.toString();
    }

    /**
     * Controls (C0, DEL, C1: U+0085 is a line break to some readers, U+009B a terminal's escape),
     * the Unicode line and paragraph separators, spaces and quotes.
     */
    private static boolean unsafe(char c) {
        return c <= ' ' || c == '"' || (c >= 0x7f && c <= 0x9f) || c == '\u2028' || c == '\u2029';
    }
}
