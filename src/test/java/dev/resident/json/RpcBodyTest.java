package dev.resident.json;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** {@link RpcBody} reads a body as a tree of it reads: the same fields, the same tokens, the same refusals. */
class RpcBodyTest {
    private static final List<String> BODIES = List.of(
            "{\"page_id\":\"p1\",\"method\":\"inc\",\"params\":{}}",
            "{\"page_id\":\"p1\",\"method\":\"inc\",\"params\":{\"by\":2,\"x\":[1,{\"y\":null}]},\"after\":7}",
            "{\"method\":\"inc\",\"page_id\":\"\",\"after\":null}",
            "{\"page_id\":1,\"method\":[\"inc\"],\"params\":[],\"after\":\"3\"}",
            "{\"page_id\":\"a\",\"page_id\":\"b\",\"method\":\"m\",\"method\":2}",
            "{\"after\":12345678901234,\"other\":{\"deep\":[[[]]]},\"params\":null}",
            "{\"after\":123456789012345678901234567890,\"params\":\"x\"}",
            "{\"after\":-1.5,\"params\":{\"a\":1},\"params\":{}}",
            "{}",
            "  {\"page_id\":\"p\"}  trailing is not read",
            "[1,2,{\"page_id\":\"p\"}]",
            "\"text\"",
            "42",
            "{\"page_id\":\"p1|p02\",\"method\":\"inc\",\"params\":{},\"after\":0}",
            "{\"after\":2147483647,\"params\":{},\"method\":\"\",\"page_id\":\" !#$%&'()*+,-./:;<=>?@[]^_`{|}~\"}",
            "{\"after\":2147483648}",
            "{\"after\":999999999999999999}",
            "{\"after\":1234567890123456789}",
            "{\"after\":5,\"after\":6,\"params\":{},\"params\":{},\"method\":\"a\",\"method\":\"b\"}",
            "{\"page_id\":\"p\",\"method\":\"m\"}x",
            "{\"page_id\":\"a\\\"b\",\"method\":\"\\u0041\"}",
            "{\"page_id\":\"é\",\"method\":\"€\"}",
            "{ \"page_id\":\"p\" }",
            "{\"after\":1e3,\"params\":{ }}",
            "{\"after\":-0}",
            "{\"params\":{\"a\":1}}");
    /** Bodies in the plain form, read without the parser. */
    private static final List<String> PLAIN = List.of(
            "{}",
            "{\"page_id\":\"p1\",\"method\":\"inc\",\"params\":{}}",
            "{\"page_id\":\"p1|p02\",\"method\":\"inc\",\"params\":{},\"after\":0}",
            "{\"after\":2147483647,\"params\":{},\"method\":\"\",\"page_id\":\" !#$%&'()*+,-./:;<=>?@[]^_`{|}~\"}",
            "{\"after\":2147483648}",
            "{\"after\":999999999999999999}",
            "{\"after\":5,\"after\":6,\"params\":{},\"params\":{},\"method\":\"a\",\"method\":\"b\"}");

    @Test
    void readsWhatATreeHolds() {
        for (String text : BODIES) {
            byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
            Json.Counted tree = Json.parseCounted(bytes);
            RpcBody body = RpcBody.parse(bytes);
            assertEquals(tree.node().isObject(), body.object(), text);
            assertEquals(tree.tokens(), body.tokens(), text);
            if (body.object()) {
                JsonNode node = tree.node();
                assertEquals(text(node.get("page_id")), body.pageId(), text);
                assertEquals(text(node.get("method")), body.method(), text);
                assertEquals(node.get("params"), body.params(), text);
                assertEquals(node.get("after"), body.after(), text);
            }
        }
    }

    @Test
    void readsAPlainBodyAsTheParserDoes() {
        for (String text : BODIES) {
            byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
            RpcBody plain = PlainRpcBody.read(bytes);
            assertEquals(PLAIN.contains(text), plain != null, text);
            if (plain != null) {
                assertEquals(RpcBody.parsed(bytes), plain, text);
            }
        }
    }

    @Test
    void refusesWhatATreeRefuses() {
        for (String text : List.of("", "   ", "{", "{\"page_id\":}", "{\"params\":{\"a\":[1,}}", "{\"x\":tru}", "]",
                "{\"after\":01}", "{\"page_id\":\"p\",\"method\":\"inc\",\"params\":{}", "{\"page_id\":\"p\"",
                "{\"page_id\":\"p\",}", "{\"params\":{},\"after\":}")) {
            byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
            assertThrows(Json.MalformedJsonException.class, () -> Json.parseCounted(bytes), text);
            assertThrows(Json.MalformedJsonException.class, () -> RpcBody.parse(bytes), text);
        }
    }

    private static String text(JsonNode node) {
        return node != null && node.isTextual() ? node.textValue() : null;
    }
}
