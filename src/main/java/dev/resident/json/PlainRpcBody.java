package dev.resident.json;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.LongNode;

import java.nio.charset.StandardCharsets;

/**
 * An rpc body in the plain form that resident.js and most clients send, read without a JSON
 * parser: {@code {"page_id":"..","method":"..","params":{},"after":N}}, those four fields only, in
 * any order, none required; the strings printable ASCII without escapes, {@code params} empty,
 * {@code after} a whole number of up to 18 digits; no whitespace, nothing after the object. Any
 * other body is left to {@link RpcBody}'s parser. A body of this form is valid JSON and reads as
 * the parser reads it, tokens included (RpcBodyTest holds the two side by side): setting up
 * Jackson's parser cost more than the rest of reading such a body (bench/README, "Twenty-second
 * session").
 */
final class PlainRpcBody {
    private static final byte[] PAGE_ID = ascii("\"page_id\":");
    private static final byte[] METHOD = ascii("\"method\":");
    private static final byte[] PARAMS = ascii("\"params\":{}");
    private static final byte[] AFTER = ascii("\"after\":");
    private static final int MAX_DIGITS = 18;

    private final byte[] bytes;
    private int at;

    private PlainRpcBody(byte[] bytes) {
        this.bytes = bytes;
    }

    /** The body, or null when it is not in the plain form. */
    static RpcBody read(byte[] bytes) {
        return new PlainRpcBody(bytes).read();
    }

    private RpcBody read() {
        if (!take('{')) {
            return null;
        }
        String pageId = null;
        String method = null;
        JsonNode params = null;
        JsonNode after = null;
        long tokens = 2; // the object's start and end
        boolean first = true;
        while (!take('}')) {
            if (!first && !take(',')) {
                return null;
            }
            first = false;
            if (take(PAGE_ID)) {
                pageId = string();
                if (pageId == null) {
                    return null;
                }
            } else if (take(METHOD)) {
                method = string();
                if (method == null) {
                    return null;
                }
            } else if (take(PARAMS)) {
                params = Json.object();
                tokens++; // params' end; its start is counted as the field's value below
            } else if (take(AFTER)) {
                after = number();
                if (after == null) {
                    return null;
                }
            } else {
                return null;
            }
            tokens += 2; // the field's name and its value
        }
        return at == bytes.length ? new RpcBody(true, pageId, method, params, after, tokens) : null;
    }

    private boolean take(char expected) {
        if (at < bytes.length && bytes[at] == expected) {
            at++;
            return true;
        }
        return false;
    }

    private boolean take(byte[] expected) {
        if (bytes.length - at < expected.length) {
            return false;
        }
        for (int i = 0; i < expected.length; i++) {
            if (bytes[at + i] != expected[i]) {
                return false;
            }
        }
        at += expected.length;
        return true;
    }

    /** A string of printable ASCII without escapes, or null. */
    private String string() {
        if (!take('"')) {
            return null;
        }
        int start = at;
        while (at < bytes.length) {
            byte b = bytes[at];
            if (b == '"') {
                at++;
                return new String(bytes, start, at - 1 - start, StandardCharsets.ISO_8859_1);
            }
            if (b < 0x20 || b > 0x7e || b == '\\') {
                return null;
            }
            at++;
        }
        return null;
    }

    /** A whole number of up to 18 digits without a sign or leading zeros, as a tree reader makes it; or null. */
    private JsonNode number() {
        int start = at;
        long value = 0;
        while (at < bytes.length && bytes[at] >= '0' && bytes[at] <= '9') {
            value = value * 10 + (bytes[at] - '0');
            at++;
        }
        int digits = at - start;
        if (digits == 0 || digits > MAX_DIGITS || (digits > 1 && bytes[start] == '0')) {
            return null;
        }
        if (at < bytes.length && (bytes[at] == '.' || bytes[at] == 'e' || bytes[at] == 'E')) {
            return null; // a fraction or an exponent: not a whole number's form
        }
        return value <= Integer.MAX_VALUE ? IntNode.valueOf((int) value) : LongNode.valueOf(value);
    }

    private static byte[] ascii(String text) {
        return text.getBytes(StandardCharsets.US_ASCII);
    }
}
