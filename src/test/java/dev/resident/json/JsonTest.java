package dev.resident.json;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.BigIntegerNode;
import com.fasterxml.jackson.databind.node.BooleanNode;
import com.fasterxml.jackson.databind.node.DoubleNode;
import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.LongNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import org.junit.jupiter.api.Test;

import java.math.BigInteger;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The shortcuts of {@link Json} (scalars, trees written by hand) give what Jackson itself gives. */
class JsonTest {
    private static final ObjectMapper JACKSON = new ObjectMapper();
    private static final List<Object> VALUES = Arrays.asList(null, 0L, -1L, Long.MIN_VALUE, Long.MAX_VALUE, 0,
            Integer.MIN_VALUE, Integer.MAX_VALUE, true, false, "", "a \"quoted\"\n text \u0001 é 😀", 1.5,
            (short) 3, List.of(1, "x"), Map.of("k", 2L), IntNode.valueOf(-7), LongNode.valueOf(Long.MIN_VALUE),
            BigIntegerNode.valueOf(BigInteger.TEN.pow(30).negate()), BooleanNode.TRUE, NullNode.instance,
            TextNode.valueOf("\"x\""), DoubleNode.valueOf(0.1));

    @Test
    void writeMatchesJackson() throws Exception {
        for (Object value : VALUES) {
            assertEquals(JACKSON.writeValueAsString(value), Json.write(value), String.valueOf(value));
        }
    }

    @Test
    void treesAreWrittenAsJacksonWritesThem() throws Exception {
        Random random = new Random(42);
        for (int i = 0; i < 3_000; i++) {
            JsonNode tree = randomTree(random, 0);
            assertEquals(JACKSON.writeValueAsString(tree), Json.write(tree));
            StringBuilder appended = new StringBuilder("[");
            Json.append(tree, appended);
            assertEquals("[" + JACKSON.writeValueAsString(tree), appended.toString());
        }
    }

    private static JsonNode randomTree(Random random, int depth) {
        int kind = depth > 4 ? 2 + random.nextInt(7) : random.nextInt(9);
        return switch (kind) {
            case 0 -> {
                ObjectNode object = Json.object();
                for (int i = random.nextInt(5); i > 0; i--) {
                    object.set(randomText(random), randomTree(random, depth + 1));
                }
                yield object;
            }
            case 1 -> {
                ArrayNode array = Json.array();
                for (int i = random.nextInt(5); i > 0; i--) {
                    array.add(randomTree(random, depth + 1));
                }
                yield array;
            }
            case 2, 3 -> TextNode.valueOf(randomText(random));
            case 4 -> random.nextBoolean() ? IntNode.valueOf(random.nextInt()) : LongNode.valueOf(random.nextLong());
            case 5 -> BooleanNode.valueOf(random.nextBoolean());
            case 6 -> NullNode.instance;
            case 7 -> random.nextInt(10) == 0 ? DoubleNode.valueOf(random.nextGaussian() * 1e6) : IntNode.valueOf(-1);
            default -> random.nextInt(10) == 0 ? BigIntegerNode.valueOf(BigInteger.valueOf(random.nextLong()).shiftLeft(70))
                    : LongNode.valueOf(Long.MIN_VALUE);
        };
    }

    /** Control characters, quotes, backslashes, DEL, Latin-1, U+2028, surrogate pairs and lone halves. */
    private static String randomText(Random random) {
        String pool = "a\"\\/\u0000\u0001\b\t\n\u000b\f\r\u001f \u007f\u00e9\u2028\ud83d\ude00\ud800x";
        StringBuilder text = new StringBuilder();
        for (int i = random.nextInt(12); i > 0; i--) {
            text.append(pool.charAt(random.nextInt(pool.length())));
        }
        return text.toString();
    }

    @Test
    void toTreeMatchesJackson() {
        for (Object value : VALUES) {
            Object expected = JACKSON.valueToTree(value);
            Object tree = Json.toTree(value);
            assertEquals(expected, tree, String.valueOf(value));
            assertEquals(expected == null ? null : expected.getClass(), tree == null ? null : tree.getClass(),
                    String.valueOf(value));
        }
    }
}
