package dev.resident.web;

/**
 * A client's value as a log line may show it: cut to a length, with control characters, spaces
 * and quotes replaced (a client sends such values as often as it likes, and a log line must stay
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
            out.append(c <= ' ' || c == '"' || c == 0x7f ? '_' : c);
        }
        return text.length() > max ? out + "…" : out.toString();
    }
}
