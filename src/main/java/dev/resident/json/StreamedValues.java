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
 * Field values of an envelope read by a streaming parser ({@link SocketFrame}, {@link RpcBody}),
 * each at its first token: the same tree a tree reader makes of it, the common ones made without
 * a tree reader.
 */
final class StreamedValues {
    private StreamedValues() {
    }

    /**
     * Reads the first token: true at the start of an object; false, with the whole value read
     * through (it must still be JSON), for any other value.
     *
     * @throws Json.MalformedJsonException with {@code empty} when there is no value
     */
    static boolean startsObject(JsonParser parser, String empty) throws IOException {
        JsonToken first = parser.nextToken();
        if (first == null) {
            throw new Json.MalformedJsonException(empty);
        }
        if (first != JsonToken.START_OBJECT) {
            parser.skipChildren();
            return false;
        }
        return true;
    }

    /** The value at the parser's token as a tree; a string, null, an int or a long without a tree reader. */
    static JsonNode scalar(JsonParser parser, JsonToken value) throws IOException {
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
    static JsonNode params(JsonParser parser, JsonToken value) throws IOException {
        if (value == JsonToken.START_OBJECT && parser.nextToken() == JsonToken.END_OBJECT) {
            return Json.object();
        }
        return parser.readValueAsTree(); // a tree reader also starts an object at its first field name
    }

    /** The string at the parser's token, or null when the token is not a string. */
    static String string(JsonParser parser, JsonToken value) throws IOException {
        return value == JsonToken.VALUE_STRING ? parser.getText() : null;
    }

    /** Whether the string at the parser's token is {@code expected}, without making a String of it. */
    static boolean textIs(JsonParser parser, String expected) throws IOException {
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
