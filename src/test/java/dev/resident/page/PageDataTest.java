package dev.resident.page;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.resident.json.Json;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/** A call's changes are written as Jackson writes the array of change objects that the data message lists. */
class PageDataTest {
    private static final ObjectMapper JACKSON = new ObjectMapper();

    @Test
    void changesAreWrittenAsTheirTree() throws Exception {
        PageData data = new PageData();
        ArrayNode expected = JACKSON.createArrayNode();
        data.set("count", 5L);
        expected.addObject().put("path", "count").put("value", 5L);
        data.set("a.b", "x \"quoted\"\n", "because \u2028 é");
        expected.addObject().put("path", "a.b").put("reason", "because \u2028 é").put("value", "x \"quoted\"\n");
        data.set("price", new BigDecimal("1.50"));
        expected.addObject().put("path", "price").set("value", JACKSON.valueToTree(new BigDecimal("1.50")));
        data.set("gone", null, "r");
        expected.addObject().put("path", "gone").put("reason", "r").putNull("value");
        data.set("map", Map.of("k", List.of(1, 2.5, true)));
        expected.addObject().put("path", "map").set("value", JACKSON.valueToTree(Map.of("k", List.of(1, 2.5, true))));
        ObjectNode later = Json.object().put("set", true);
        data.set("later", later);
        later.put("added", "after the set"); // the page kept a copy: the node is the caller's again
        expected.addObject().put("path", "later").set("value", Json.object().put("set", true));
        data.delete("a.b");
        expected.addObject().put("path", "a.b").put("delete", true);

        StringBuilder out = new StringBuilder("\"changes\":");
        assertEquals(true, data.takeChanges(out));
        assertEquals("\"changes\":" + JACKSON.writeValueAsString(expected), out.toString());
        assertFalse(data.takeChanges(out), "taken changes are gone");
    }

    /** resident.js sets each change on a plain object: these keys would reach its prototype. */
    @Test
    void keysThatAreAnObjectsPrototypeAreRefused() {
        PageData data = new PageData();
        for (String path : List.of("__proto__.polluted", "drafts.__proto__", "a.constructor.prototype.x")) {
            org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> data.set(path, 1), path);
        }
        data.set("drafts.proto", 1);
        assertEquals(Json.parse("{\"drafts\":{\"proto\":1}}"), data.snapshot());
    }

    @Test
    void droppedChangesAreGone() {
        PageData data = new PageData();
        data.set("count", 1);
        data.dropChanges();
        assertFalse(data.takeChanges(new StringBuilder()));
    }
}
