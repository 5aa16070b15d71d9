package dev.resident.load.net;

/** Byte-level helpers for scanning protocol text without decoding it. */
public final class Ascii {
    static final byte[] CRLF = {'\r', '\n'};
    static final byte[] HEAD_END = {'\r', '\n', '\r', '\n'};
    private static final byte[] T_KEY = {'"', 't', '"'};

    private Ascii() {
    }

    /** Index of {@code needle} in {@code buf[from, to)}, or -1. */
    public static int indexOf(byte[] buf, int from, int to, byte[] needle) {
        int last = to - needle.length;
        outer:
        for (int i = from; i <= last; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (buf[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    /** Whether {@code buf[from, to)} starts with {@code prefix}. */
    public static boolean startsWith(byte[] buf, int from, int to, byte[] prefix) {
        if (to - from < prefix.length) {
            return false;
        }
        for (int i = 0; i < prefix.length; i++) {
            if (buf[from + i] != prefix[i]) {
                return false;
            }
        }
        return true;
    }

    /**
     * The non-negative integer value of the first member {@code key} (given with its quotes, e.g.
     * {@code "seq"}) of the JSON text in {@code buf[from, to)}, or -1 when there is none.
     */
    public static long longField(byte[] buf, int from, int to, byte[] key) {
        int at = valueOf(buf, from, to, key);
        return at < 0 ? -1 : number(buf, at, to);
    }

    /**
     * Whether the message's {@code "t"} member is {@code type} (given with its quotes, e.g.
     * {@code "result"}), whatever whitespace the server puts around the colon.
     */
    public static boolean isType(byte[] buf, int from, int to, byte[] type) {
        int at = valueOf(buf, from, to, T_KEY);
        return at >= 0 && startsWith(buf, at, to, type);
    }

    /** Index of the value of the first member {@code key}, or -1. */
    private static int valueOf(byte[] buf, int from, int to, byte[] key) {
        int at = from;
        while ((at = indexOf(buf, at, to, key)) >= 0) {
            int i = at + key.length;
            while (i < to && buf[i] == ' ') {
                i++;
            }
            if (i < to && buf[i] == ':') {
                i++;
                while (i < to && buf[i] == ' ') {
                    i++;
                }
                return i;
            }
            at += key.length;
        }
        return -1;
    }

    /** Receives the bounds {@code [start, end)} of one JSON object. */
    public interface ObjectBounds {
        void accept(int start, int end);
    }

    /** Calls {@code each} with every top-level object of the JSON array in {@code buf[from, to)}, in order. */
    public static void forEachObject(byte[] buf, int from, int to, ObjectBounds each) {
        int depth = 0;
        int start = -1;
        boolean inString = false;
        for (int i = from + 1; i < to; i++) {
            byte b = buf[i];
            if (inString) {
                if (b == '\\') {
                    i++;
                } else if (b == '"') {
                    inString = false;
                }
            } else if (b == '"') {
                inString = true;
            } else if (b == '{' || b == '[') {
                if (depth++ == 0) {
                    start = i;
                }
            } else if ((b == '}' || b == ']') && --depth == 0) {
                each.accept(start, i + 1);
            }
        }
    }

    /** The non-negative integer in {@code buf[from, to)} after optional spaces, or -1. */
    public static long number(byte[] buf, int from, int to) {
        int i = from;
        while (i < to && buf[i] == ' ') {
            i++;
        }
        long value = -1;
        for (; i < to && buf[i] >= '0' && buf[i] <= '9'; i++) {
            value = (value < 0 ? 0 : value * 10) + (buf[i] - '0');
        }
        return value;
    }

    /** The status code of an HTTP/1.1 status line starting at {@code from} ({@code HTTP/1.1 200 OK}). */
    static int status(byte[] buf, int from) {
        return (buf[from + 9] - '0') * 100 + (buf[from + 10] - '0') * 10 + (buf[from + 11] - '0');
    }

    /** Whether the line {@code buf[from, to)} is header {@code name} followed by a colon. */
    static boolean isHeader(byte[] buf, int from, int to, String name) {
        if (to - from <= name.length() || buf[from + name.length()] != ':') {
            return false;
        }
        for (int i = 0; i < name.length(); i++) {
            if (Character.toLowerCase(buf[from + i]) != name.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    /** Whether {@code buf[from, to)} contains {@code word}, ignoring ASCII case ({@code word} in lower case). */
    static boolean containsIgnoreCase(byte[] buf, int from, int to, String word) {
        outer:
        for (int i = from; i <= to - word.length(); i++) {
            for (int j = 0; j < word.length(); j++) {
                if (Character.toLowerCase(buf[i + j]) != word.charAt(j)) {
                    continue outer;
                }
            }
            return true;
        }
        return false;
    }
}
