package dev.resident.page;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.resident.json.Json;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The page's client data: a JSON tree addressed by dot paths ({@code orders.count}). Every change
 * is recorded and leaves the server as one {@code data} message at the end of the page call
 * that made it. Touch it only from page methods (they are serialized).
 */
public final class PageData {
    /** Keys a JavaScript object would take as its prototype's: never a key of page data ({@link #splitPath}). */
    private static final Set<String> UNSAFE_KEYS = Set.of("__proto__", "prototype", "constructor");
    private final ObjectNode root = Json.object();
    /** The changes since the last call, in order; null when none. */
    private List<Change> changes;

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

    /**
     * Sets a value and says why, for the client's change handlers. An object or array node is
     * copied: the page keeps the value as it is now, whoever else holds the node (a dbevent's
     * record, shared by every page that got it; another page's data), and later changes to the
     * node reach no page. A value that would nest the data more than 63 deep (path included) throws
     * {@link PageException} 422 {@code unprocessable}: the page's saved copy could not be read back.
     */
    public void set(String path, Object value, String reason) {
        JsonNode tree = value instanceof JsonNode node && node.isContainerNode() ? node.deepCopy() : Json.toTree(value);
        String[] keys = splitPath(path);
        // the page's saved copy holds the data one level down: deeper, the copy could not be read
        // back, and the page not continued after a drain or a restart
        if (tree != null && Json.deeperThan(tree, Json.MAX_DEPTH - 1 - keys.length)) {
            throw PageException.unprocessable("a value nested deeper than page data can keep: " + path);
        }
        parentOf(keys).set(keys[keys.length - 1], tree);
        record(new Change(path, reason, tree == null ? NullNode.getInstance() : tree));
    }

    /** Removes a value. */
    public void delete(String path) {
        String[] keys = splitPath(path);
        parentOf(keys).remove(keys[keys.length - 1]);
        record(new Change(path, null, null));
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

    /**
     * Appends the changes since the last call to {@code out} as the JSON array of a {@code data}
     * message ({@code [{"path","reason"?,"value"}|{"path","delete":true}, ...]}) and clears them;
     * false, with nothing appended, when nothing changed. A value is written as it was set.
     */
    boolean takeChanges(StringBuilder out) {
        List<Change> taken = changes;
        if (taken == null) {
            return false;
        }
        changes = null;
        out.append('[');
        for (int i = 0; i < taken.size(); i++) {
            if (i > 0) {
                out.append(',');
            }
            taken.get(i).appendTo(out);
        }
        out.append(']');
        return true;
    }

    /** Forgets the changes since the last call. */
    void dropChanges() {
        changes = null;
    }

    private void record(Change change) {
        if (changes == null) {
            changes = new ArrayList<>(2);
        }
        changes.add(change);
    }

    private ObjectNode parentOf(String[] keys) {
        ObjectNode node = root;
        for (int i = 0; i < keys.length - 1; i++) {
            JsonNode child = node.get(keys[i]);
            node = child instanceof ObjectNode object ? object : node.putObject(keys[i]);
        }
        return node;
    }

    /**
     * The keys of a dotted path. {@code __proto__}, {@code prototype} and {@code constructor} are
     * refused: resident.js applies each change to a plain object, where they would reach the
     * prototypes of every object of the page's scripts (page code that builds a path from client
     * input would hand that to any client).
     */
    private static String[] splitPath(String path) {
        if (path == null || path.isEmpty() || path.startsWith(".") || path.endsWith(".") || path.contains("..")) {
            throw new IllegalArgumentException("bad data path: " + path);
        }
        String[] keys = path.split("\\.");
        for (String key : keys) {
            if (UNSAFE_KEYS.contains(key)) {
                throw new IllegalArgumentException("bad data path (" + key + " is not a key of page data): " + path);
            }
        }
        return keys;
    }

    /** One change: a value set ({@code reason} optional) or, with a null {@code value}, a delete. */
    private record Change(String path, String reason, JsonNode value) {
        void appendTo(StringBuilder out) {
            out.append("{\"path\":");
            Json.appendString(path, out);
            if (reason != null) {
                out.append(",\"reason\":");
                Json.appendString(reason, out);
            }
            if (value == null) {
                out.append(",\"delete\":true}");
                return;
            }
            out.append(",\"value\":");
            Json.append(value, out);
            out.append('}');
        }
    }
}
