package dev.resident.legacy;

import dev.resident.web.RawTarget;
import io.helidon.common.uri.UriPath;
import io.helidon.webserver.http.ServerRequest;

import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The request target as the legacy app gets it, and the paths too ambiguous to forward. Which
 * prefix a path belongs to is decided on the decoded path; a path whose meaning depends on who
 * decodes or normalizes it (an encoded slash, backslash, dot or NUL, or a {@code .} / {@code ..}
 * segment) would let the legacy app see a different path than the one Resident checked against
 * {@code legacy.paths}, so it is refused with 400 instead.
 *
 * <p>Bytes outside ASCII: Helidon's parser replaces them, so the original target comes from
 * {@link RawTarget} (the bytes the connection read); each such byte goes upstream percent-encoded
 * (Helidon's client writes request lines as US-ASCII), so the app's decoded path (WSGI
 * {@code PATH_INFO}) holds exactly the client's bytes. A target whose bytes are lost is refused.
 *
 * @param rawPath  the path as the client wrote it (bytes outside ASCII percent-encoded)
 * @param rawQuery the query as the client wrote it, without {@code ?} (same)
 * @param path     the decoded path, as routing and {@code legacy.paths} see it
 */
record RequestTarget(String rawPath, String rawQuery, String path) {
    private static final Pattern AMBIGUOUS_ESCAPE = Pattern.compile("%(2f|5c|2e|00)", Pattern.CASE_INSENSITIVE);

    /** The target of {@code req}, with its original bytes when Helidon's prologue lost some. */
    static RequestTarget of(ServerRequest req) {
        Optional<byte[]> raw = RawTarget.of(req);
        if (raw.isEmpty()) {
            return new RequestTarget(req.prologue().uriPath().rawPath(), req.prologue().query().rawValue(),
                    req.prologue().uriPath().path());
        }
        String target = RawTarget.percentEncoded(raw.get());
        int query = target.indexOf('?');
        String rawPath = query < 0 ? target : target.substring(0, query);
        String decoded;
        try {
            decoded = UriPath.create(rawPath).path();
        } catch (IllegalArgumentException malformed) {
            decoded = rawPath;
        }
        return new RequestTarget(rawPath, query < 0 ? "" : target.substring(query + 1), decoded);
    }

    /** Why this target cannot be forwarded, or empty when it can. */
    Optional<String> ambiguity() {
        if (!printableAscii(rawPath) || !printableAscii(rawQuery)) {
            // bytes Helidon's parser replaced and the connection watch could not recover
            return Optional.of("bytes outside printable ASCII in the target must be percent-encoded");
        }
        if (AMBIGUOUS_ESCAPE.matcher(rawPath).find() || rawPath.indexOf('\\') >= 0) {
            return Optional.of("encoded slash, backslash, dot or NUL in the path");
        }
        if (hasDotSegment(rawPath) || hasDotSegment(path)) {
            return Optional.of("dot-segment in the path");
        }
        return Optional.empty();
    }

    /** {@code rawPath?rawQuery}, byte for byte as the client wrote it (after {@link #ambiguity} passed). */
    String upstream() {
        return rawQuery.isEmpty() ? rawPath : rawPath + "?" + rawQuery;
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
}
