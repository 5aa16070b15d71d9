package dev.resident.json;

/** Byte counts of text as UTF-8, without encoding it: for limits stated in bytes. */
public final class Utf8 {
    /** The most bytes one char takes (a surrogate pair takes 4 for its 2). */
    public static final int MAX_BYTES_PER_CHAR = 3;

    private Utf8() {
    }

    /**
     * The bytes {@code text} takes in UTF-8: 1 per ASCII char, 2 up to U+07FF, 3 beyond, 4 per
     * surrogate pair (a lone surrogate counts 2, more than the 1 byte it is replaced by).
     */
    public static long length(CharSequence text) {
        int chars = text.length();
        long bytes = chars;
        for (int i = 0; i < chars; i++) {
            char c = text.charAt(i);
            if (c >= 0x80) {
                bytes += c < 0x800 || Character.isSurrogate(c) ? 1 : 2;
            }
        }
        return bytes;
    }
}
