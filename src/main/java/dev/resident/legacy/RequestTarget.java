package dev.resident.legacy;

import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The request target as the legacy app gets it, and the paths too ambiguous to forward. Which
 * prefix a path belongs to is decided on the decoded path; a path whose meaning depends on who
 * decodes or normalizes it (an encoded slash, backslash, dot or NUL, or a {@code .} / {@code ..}
 * segment) would let the legacy app see a different path than the one Resident checked against
 * {@code legacy.paths}, so it is refused with 400 instead; so is a target with raw non-ASCII
 * bytes, which Helidon's parser has already replaced.
 */
final class RequestTarget {
    private static final Pattern AMBIGUOUS_ESCAPE = Pattern.compile("%(2f|5c|2e|00)", Pattern.CASE_INSENSITIVE);

    private RequestTarget() {
    }

    /**
     * Why {@code rawPath} cannot be forwarded, or empty when it can.
     *
     * @param rawPath     the path as the client wrote it
     * @param rawQuery    the query as the client wrote it, without {@code ?}
     * @param decodedPath the same, percent-decoded (as routing sees it)
     */
    static Optional<String> ambiguity(String rawPath, String rawQuery, String decodedPath) {
        if (!printableAscii(rawPath) || !printableAscii(rawQuery)) {
            // Helidon reads the request line as US-ASCII: each other byte is already U+FFFD here,
            // so the original cannot be forwarded (its client would send '?')
            return Optional.of("bytes outside printable ASCII in the target must be percent-encoded");
        }
        if (AMBIGUOUS_ESCAPE.matcher(rawPath).find() || rawPath.indexOf('\\') >= 0) {
            return Optional.of("encoded slash, backslash, dot or NUL in the path");
        }
        if (hasDotSegment(rawPath) || hasDotSegment(decodedPath)) {
            return Optional.of("dot-segment in the path");
        }
        return Optional.empty();
    }

    private static boolean hasDotSegment(String path) {
        for (String segment : path.split("/", -1)) {
            if (segment.equals(".") || segment.equals("..")) {
                return true;
            }
        }
        return false;
    }

    private static boolean printableAscii(String text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c <= 0x20 || c >= 0x7f) {
                return false;
            }
        }
        return true;
    }

    /** {@code rawPath?rawQuery}, byte for byte as the client wrote it (after {@link #ambiguity} passed). */
    static String upstream(String rawPath, String rawQuery) {
        return rawQuery.isEmpty() ? rawPath : rawPath + "?" + rawQuery;
    }
}
