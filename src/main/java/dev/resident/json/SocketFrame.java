package dev.resident.json;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.LongNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.TextNode;

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
            JsonToken first = parser.nextToken();
            if (first == null) {
                throw new Json.MalformedJsonException("empty message");
            }
            if (first != JsonToken.START_OBJECT) {
                parser.skipChildren(); // not a frame of this protocol, but it must still be JSON
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
                case "t" -> rpc = value == JsonToken.VALUE_STRING && textIs(parser, "rpc");
                case "id" -> id = id(parser, value);
                case "method" -> method = value == JsonToken.VALUE_STRING ? parser.getText() : null;
                case "params" -> params = params(parser, value);
                default -> {
                }
            }
            parser.skipChildren(); // of a container that was not read; a no-op for a scalar or a read tree
        }
        return new SocketFrame(rpc, id, method, params, parser.currentTokenCount());
    }

    /** The value at the parser's token as a tree; a common id (a string, an int or a long) without a tree reader. */
    private static JsonNode id(JsonParser parser, JsonToken value) throws IOException {
        if (value == JsonToken.VALUE_STRING) {
            return TextNode.valueOf(parser.getText());
        }
        if (value == JsonToken.VALUE_NULL) {
            return NullNode.getInstance();
        }
        if (value == JsonToken.VALUE_NUMBER_INT) {
            JsonParser.NumberType type = parser.getNumberType();
            if (type == JsonParser.NumberType.INT) {
                return IntNode.valueOf(parser.getIntValue());
            }
            if (type == JsonParser.NumberType.LONG) {
                return LongNode.valueOf(parser.getLongValue());
            }
        }
        return parser.readValueAsTree();
    }

    /**
     * The value at the parser's token as a tree; an empty object (what resident.js sends for a call
     * without params) without a tree reader.
     */
    private static JsonNode params(JsonParser parser, JsonToken value) throws IOException {
        if (value == JsonToken.START_OBJECT && parser.nextToken() == JsonToken.END_OBJECT) {
            return Json.object();
        }
        return parser.readValueAsTree(); // a tree reader also starts an object at its first field name
    }

    /** Whether the string at the parser's token is {@code expected}, without making a String of it. */
    private static boolean textIs(JsonParser parser, String expected) throws IOException {
        int length = parser.getTextLength();
        if (length != expected.length()) {
            return false;
        }
        char[] chars = parser.getTextCharacters();
        int offset = parser.getTextOffset();
        for (int i = 0; i < length; i++) {
            if (chars[offset + i] != expected.charAt(i)) {
                return false;
            }
        }
        return true;
    }
}
