package dev.resident.web;

import io.helidon.http.HeaderName;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.ServerRequest;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Optional;

/**
 * A request target's bytes as the client sent them, when some were outside ASCII: Helidon 4.5
 * reads the request line as US-ASCII, so its prologue holds U+FFFD for each such byte. The
 * connection watch kept the original bytes and passes them in an internal header, which a client
 * can never set (the watch removes any it sent) and which is never forwarded.
 */
public final class RawTarget {
    /** The internal header (base64url of the target's bytes). */
    public static final HeaderName HEADER = HeaderNames.create("X-Resident-Raw-Target");

    private RawTarget() {
    }

    /**
     * The target's original bytes, when the request has them and they are the ones its prologue
     * shows (each byte outside ASCII replaced).
     */
    public static Optional<byte[]> of(ServerRequest req) {
        Optional<String> value = req.headers().first(HEADER);
        if (value.isEmpty()) {
            return Optional.empty();
        }
        byte[] raw;
        try {
            raw = Base64.getUrlDecoder().decode(value.get());
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
        String query = req.prologue().query().rawValue();
        String seen = req.prologue().uriPath().rawPath() + (query.isEmpty() ? "" : "?" + query);
        return new String(raw, StandardCharsets.US_ASCII).equals(seen) ? Optional.of(raw) : Optional.empty();
    }

    /** {@code raw} with each byte outside printable ASCII percent-encoded ({@code %C3%A9}). */
    public static String percentEncoded(byte[] raw) {
        StringBuilder out = new StringBuilder(raw.length + 16);
        HexFormat hex = HexFormat.of().withUpperCase();
        for (byte b : raw) {
            if (b > 0x20 && b < 0x7f) {
                out.append((char) b);
            } else {
                out.append('%').append(hex.toHexDigits(b));
            }
        }
        return out.toString();
    }
}
