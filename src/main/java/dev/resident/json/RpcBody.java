package dev.resident.json;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;

import java.io.IOException;

/**
 * The body of an HTTP rpc ({@code {"page_id","method","params"?,"after"?}}), read by a streaming
 * parser as {@link SocketFrame} reads a socket's frame: only {@code params} (and an {@code after}
 * that is not a whole number) becomes a tree, the other fields are read as they pass and any other
 * field is skipped. As with a tree of it, all of the first value must be JSON, a repeated field
 * counts with its last value, and what follows that value is not read.
 *
 * @param object whether it is a JSON object (the other fields are null when not)
 * @param pageId its {@code page_id}; null when it has none or it is not a string
 * @param method its {@code method}; null when it has none or it is not a string
 * @param params its {@code params} (null when it has none)
 * @param after  its {@code after}, as sent (null when it has none)
 * @param tokens the tokens of the whole body, skipped fields too: a measure of the heap that a
 *               tree of it would hold, as {@link Json.Counted#tokens} is
 */
public record RpcBody(boolean object, String pageId, String method, JsonNode params, JsonNode after, long tokens) {
    /**
     * Reads a body; throws {@link Json.MalformedJsonException} on anything that is not JSON, and
     * on a body without a value (as {@link Json#parseCounted} does). A body in the plain form that
     * clients send is read without the parser ({@link PlainRpcBody}).
     */
    public static RpcBody parse(byte[] bytes) {
        RpcBody plain = PlainRpcBody.read(bytes);
        return plain != null ? plain : parsed(bytes);
    }

    /** {@link #parse}, always by the parser. */
    static RpcBody parsed(byte[] bytes) {
        try (JsonParser parser = Json.parser(bytes)) {
            if (!StreamedValues.startsObject(parser, "empty body")) { // not an rpc
                return new RpcBody(false, null, null, null, null, parser.currentTokenCount());
            }
            return readObject(parser);
        } catch (IOException e) {
            throw new Json.MalformedJsonException("malformed JSON");
        }
    }

    private static RpcBody readObject(JsonParser parser) throws IOException {
        String pageId = null;
        String method = null;
        JsonNode params = null;
        JsonNode after = null;
        while (parser.nextToken() == JsonToken.FIELD_NAME) {
            String name = parser.currentName(); // a name the parser's symbol table already holds
            JsonToken value = parser.nextToken();
            switch (name) {
                case "page_id" -> pageId = StreamedValues.string(parser, value);
                case "method" -> method = StreamedValues.string(parser, value);
                case "params" -> params = StreamedValues.params(parser, value);
                case "after" -> after = StreamedValues.scalar(parser, value);
                default -> {
                }
            }
            parser.skipChildren(); // of a container that was not read; a no-op for a scalar or a read tree
        }
        return new RpcBody(true, pageId, method, params, after, parser.currentTokenCount());
    }
}
