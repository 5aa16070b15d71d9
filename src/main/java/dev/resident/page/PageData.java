package dev.resident.page;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.resident.json.Json;

/**
 * The page's client data: a JSON tree addressed by dot paths ({@code orders.count}). Every change
 * is recorded and leaves the server as one {@code data} message at the end of the page call
 * that made it. Touch it only from page methods (they are serialized).
 */
public final class PageData {
    private final ObjectNode root = Json.object();
    private ArrayNode changes;

    /** The value at {@code path}, or null when there is none. */
    public JsonNode get(String path) {
        JsonNode node = root;
        for (String key : path.split("\\.")) {
            node = node == null ? null : node.get(key);
        }
        return node;
    }

    /** Sets a value (any Jackson-serializable object). */
    public void set(String path, Object value) {
        set(path, value, null);
    }

    /** Sets a value and says why, for the client's change handlers. */
    public void set(String path, Object value, String reason) {
        JsonNode tree = Json.toTree(value);
        String[] keys = splitPath(path);
        parentOf(keys).set(keys[keys.length - 1], tree);
        ObjectNode change = record(path, reason);
        change.set("value", tree);
    }

    /** Removes a value. */
    public void delete(String path) {
        String[] keys = splitPath(path);
        parentOf(keys).remove(keys[keys.length - 1]);
        record(path, null).put("delete", true);
    }

    /** The whole tree, as sent when the page opens. */
    public ObjectNode snapshot() {
        return root;
    }

    /** Puts back saved data, as it was, with no change to send. */
    void restore(ObjectNode saved) {
        root.removeAll();
        root.setAll(saved);
        changes = null;
    }

    /** The changes since the last call, or null when nothing changed; clears them. */
    ArrayNode takeChanges() {
        ArrayNode taken = changes;
        changes = null;
        return taken;
    }

    private ObjectNode record(String path, String reason) {
        if (changes == null) {
            changes = Json.array();
        }
        ObjectNode change = changes.addObject().put("path", path);
        if (reason != null) {
            change.put("reason", reason);
        }
        return change;
    }

    private ObjectNode parentOf(String[] keys) {
        ObjectNode node = root;
        for (int i = 0; i < keys.length - 1; i++) {
            JsonNode child = node.get(keys[i]);
            node = child instanceof ObjectNode object ? object : node.putObject(keys[i]);
        }
        return node;
    }

    private static String[] splitPath(String path) {
        if (path == null || path.isEmpty() || path.startsWith(".") || path.endsWith(".") || path.contains("..")) {
            throw new IllegalArgumentException("bad data path: " + path);
        }
        return path.split("\\.");
    }
}
