package dev.resident.json;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.BigIntegerNode;
import com.fasterxml.jackson.databind.node.BooleanNode;
import com.fasterxml.jackson.databind.node.DoubleNode;
import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.LongNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.TextNode;
import org.junit.jupiter.api.Test;

import java.math.BigInteger;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The scalar shortcuts of {@link Json} give what Jackson itself gives. */
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
