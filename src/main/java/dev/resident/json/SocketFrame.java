package dev.resident.json;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;

import java.io.IOException;

/**
 * A frame that a client sent on a page's socket ({@code {"t":"rpc","id","method","params"?}} or
 * {@code {"t":"pong"}}), read by a streaming parser: only {@code params} becomes a tree, the
 * envelope's fields are read as they pass and any other field is skipped. As with a tree of it,
 * all of the first value must be JSON, a repeated field counts with its last value, and what
 * follows that value is not read.
 *
 * @param rpc    whether it is an object whose {@code t} is the string {@code "rpc"}
 * @param id     its {@code id}, as sent (null when it has none)
 * @param method its {@code method}; null when it has none or it is not a string
 * @param params its {@code params} (null when it has none)
 * @param tokens the tokens of the whole frame, skipped fields too: a measure of the heap that a
 *               tree of it would hold, as {@link Json.Counted#tokens} is for a body
 */
public record SocketFrame(boolean rpc, JsonNode id, String method, JsonNode params, long tokens) {
    /** The longest {@code id} a reply carries back, in characters of its JSON: a client's id is echoed. */
    public static final int MAX_ID_CHARS = 128;

    /**
     * The id its answer carries: {@link #id} as sent, or null when it is longer than
     * {@link #MAX_ID_CHARS} (then the call must not run: {@link #idTooLong}).
     */
    public JsonNode replyId() {
        return idTooLong() ? null : id;
    }

    /** Whether {@link #id} is longer than {@link #MAX_ID_CHARS} as JSON: the frame is refused unread. */
    public boolean idTooLong() {
        if (id == null || id.isInt() || id.isLong() || id.isNull()) {
            return false;
        }
        if (id.isTextual()) {
            return id.textValue().length() > MAX_ID_CHARS - 2; // its quotes, before any escape
        }
        return Json.write(id).length() > MAX_ID_CHARS;
    }

    /**
     * Reads a frame; throws {@link Json.MalformedJsonException} on anything that is not JSON,
     * and on an empty text.
     */
    public static SocketFrame parse(String text) {
        try (JsonParser parser = Json.parser(text)) {
            if (!StreamedValues.startsObject(parser, "empty message")) { // not a frame of this protocol
                return new SocketFrame(false, null, null, null, parser.currentTokenCount());
            }
            return readObject(parser);
        } catch (IOException e) {
            throw new Json.MalformedJsonException("malformed JSON");
        }
    }

    private static SocketFrame readObject(JsonParser parser) throws IOException {
        boolean rpc = false;
        JsonNode id = null;
        String method = null;
        JsonNode params = null;
        while (parser.nextToken() == JsonToken.FIELD_NAME) {
            String name = parser.currentName(); // a name the parser's symbol table already holds
            JsonToken value = parser.nextToken();
            switch (name) {
                case "t" -> rpc = value == JsonToken.VALUE_STRING && StreamedValues.textIs(parser, "rpc");
                case "id" -> id = StreamedValues.scalar(parser, value);
                case "method" -> method = StreamedValues.string(parser, value);
                case "params" -> params = StreamedValues.params(parser, value);
                default -> {
                }
            }
            parser.skipChildren(); // of a container that was not read; a no-op for a scalar or a read tree
        }
        return new SocketFrame(rpc, id, method, params, parser.currentTokenCount());
    }
}
