package dev.resident.json;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.BooleanNode;
import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.LongNode;
import com.fasterxml.jackson.databind.node.TextNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.io.UncheckedIOException;

/** The one JSON codec of the server: a shared, thread-safe Jackson mapper and a few helpers. */
public final class Json {
    /** More tokens than any accepted body or message can hold (16 MB of the shortest ones). */
    private static final long MAX_TOKENS = 8_000_000;
    /** Arrays and objects nested in one another at most, in what is parsed: deeper is refused. */
    public static final int MAX_DEPTH = 64;
    private static final ObjectMapper MAPPER = new ObjectMapper(JsonFactory.builder()
            // Jackson's default pool is thread-local: every virtual thread (one per connection)
            // would keep its own ~16 KB of buffers for as long as its socket lives
            .recyclerPool(new BufferSlots())
            // Deeply nested input is an attack, not data. A token limit far above what the largest
            // body allowed can hold makes the parser count tokens (parseCounted).
            .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(MAX_DEPTH).maxTokenCount(MAX_TOKENS).build())
            .build());

    private Json() {
    }

    /**
     * Whether {@code tree} nests arrays and objects more than {@code depth} deep (the tree itself
     * counting as one), as its text would be parsed: such text cannot be read back.
     */
    public static boolean deeperThan(JsonNode tree, int depth) {
        if (!tree.isContainerNode()) {
            return false;
        }
        if (depth <= 0) {
            return true;
        }
        for (JsonNode child : tree) {
            if (deeperThan(child, depth - 1)) {
                return true;
            }
        }
        return false;
    }

    /** Parses JSON text; throws {@link MalformedJsonException} on anything that is not JSON. */
    public static JsonNode parse(byte[] bytes) {
        try {
            JsonNode node = MAPPER.readTree(bytes);
            if (node == null || node.isMissingNode()) {
                throw new MalformedJsonException("empty body");
            }
            return node;
        } catch (IOException e) {
            throw new MalformedJsonException("malformed JSON");
        }
    }

    /**
     * Parses JSON text and counts its tokens, a measure of the tree's heap (each value, name and
     * bracket is one); throws {@link MalformedJsonException} on anything that is not JSON.
     */
    public static Counted parseCounted(byte[] bytes) {
        try (JsonParser parser = MAPPER.createParser(bytes)) {
            JsonNode node = MAPPER.readTree(parser);
            if (node == null || node.isMissingNode()) {
                throw new MalformedJsonException("empty body");
            }
            return new Counted(node, parser.currentTokenCount());
        } catch (IOException e) {
            throw new MalformedJsonException("malformed JSON");
        }
    }

    /**
     * A streaming parser of {@code text}, with the mapper's limits and buffers, and the mapper as
     * its codec (for {@link JsonParser#readValueAsTree}). Close it.
     */
    static JsonParser parser(String text) throws IOException {
        return MAPPER.createParser(text);
    }

    /** Like {@link #parser(String)}, of UTF-8 bytes. */
    static JsonParser parser(byte[] bytes) throws IOException {
        return MAPPER.createParser(bytes);
    }

    /** A parsed tree and the number of tokens it was parsed from. */
    public record Counted(JsonNode node, long tokens) {
    }

    /** Parses JSON text; throws {@link MalformedJsonException} on anything that is not JSON. */
    public static JsonNode parse(String text) {
        try {
            JsonNode node = MAPPER.readTree(text);
            if (node == null || node.isMissingNode()) {
                throw new MalformedJsonException("empty message");
            }
            return node;
        } catch (JsonProcessingException e) {
            throw new MalformedJsonException("malformed JSON");
        }
    }

    /** Encodes a value (a {@link JsonNode}, a record, a map, a primitive) as JSON text. */
    public static String write(Object value) {
        if (value == null) {
            return "null";
        }
        if (value instanceof Long || value instanceof Integer || value instanceof Boolean) {
            return value.toString(); // the common rpc results and ids, without a generator
        }
        if (value instanceof JsonNode node) {
            if (node.isIntegralNumber() || node.isBoolean() || node.isNull()) {
                return node.asText();
            }
            if (node.isContainerNode()) {
                StringBuilder text = new StringBuilder(64);
                if (TreeText.append(node, text)) {
                    return text.toString();
                }
            }
        }
        try {
            return MAPPER.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Appends the JSON text of {@code tree} to {@code out}. */
    public static void append(JsonNode tree, StringBuilder out) {
        int start = out.length();
        if (!TreeText.append(tree, out)) {
            out.setLength(start); // a node that is not one of TreeText's: Jackson writes all of it
            try {
                out.append(MAPPER.writeValueAsString(tree));
            } catch (JsonProcessingException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    /** Appends {@code text} to {@code out} as a JSON string. */
    public static void appendString(String text, StringBuilder out) {
        TreeText.string(text, out);
    }

    /** Converts any value the page code returns into a tree. */
    public static JsonNode toTree(Object value) {
        return switch (value) {
            case JsonNode node -> node;
            case Long number -> LongNode.valueOf(number); // the common values, without a token buffer
            case Integer number -> IntNode.valueOf(number);
            case Boolean flag -> BooleanNode.valueOf(flag);
            case String text -> TextNode.valueOf(text);
            case null, default -> MAPPER.valueToTree(value);
        };
    }

    /**
     * Converts a tree to {@code type}.
     *
     * @throws IllegalArgumentException when the tree does not fit the type
     */
    public static <T> T convert(JsonNode tree, Class<T> type) {
        try {
            return MAPPER.treeToValue(tree, type);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("cannot read " + type.getSimpleName() + ": " + e.getOriginalMessage());
        }
    }

    /** Encodes a tree as UTF-8 JSON bytes. */
    public static byte[] bytes(JsonNode tree) {
        try {
            return MAPPER.writeValueAsBytes(tree);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static ObjectNode object() {
        return JsonNodeFactory.instance.objectNode();
    }

    public static ArrayNode array() {
        return JsonNodeFactory.instance.arrayNode();
    }

    /** JSON text that a parser rejected. */
    public static final class MalformedJsonException extends RuntimeException {
        public MalformedJsonException(String message) {
            super(message, null, false, false);
        }
    }
}
