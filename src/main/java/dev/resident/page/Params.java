package dev.resident.page;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.resident.json.Json;

import java.util.ArrayList;
import java.util.List;

/**
 * Typed access to the params of a page method or open hook. Every accessor throws
 * {@link PageException#unprocessable(String)} when a value is missing or of the wrong type, so
 * page code can read params without checking them first.
 */
public final class Params {
    private final ObjectNode node;

    private Params(ObjectNode node) {
        this.node = node;
    }

    /** Wraps the params sent by a client: absent or null means none, anything but an object is refused. */
    public static Params of(JsonNode node) {
        if (node == null || node.isNull() || node.isMissingNode()) {
            return new Params(Json.object());
        }
        if (!node.isObject()) {
            throw PageException.unprocessable("params must be an object");
        }
        return new Params((ObjectNode) node);
    }

    /** The raw params. */
    public ObjectNode node() {
        return node;
    }

    public boolean has(String name) {
        JsonNode value = node.get(name);
        return value != null && !value.isNull();
    }

    public String string(String name) {
        JsonNode value = node.get(name);
        if (value == null || !value.isTextual()) {
            throw PageException.unprocessable(name + " must be a string");
        }
        return value.textValue();
    }

    public String string(String name, String fallback) {
        return has(name) ? string(name) : fallback;
    }

    public long integer(String name, long fallback) {
        if (!has(name)) {
            return fallback;
        }
        JsonNode value = node.get(name);
        if (!value.isIntegralNumber() || !value.canConvertToLong()) {
            throw PageException.unprocessable(name + " must be an integer");
        }
        return value.longValue();
    }

    /** An integer within {@code [min, max]}. */
    public long integer(String name, long fallback, long min, long max) {
        long value = integer(name, fallback);
        if (value < min || value > max) {
            throw PageException.unprocessable(name + " must be in " + min + ".." + max);
        }
        return value;
    }

    public double number(String name, double fallback) {
        if (!has(name)) {
            return fallback;
        }
        JsonNode value = node.get(name);
        if (!value.isNumber()) {
            throw PageException.unprocessable(name + " must be a number");
        }
        return value.doubleValue();
    }

    public boolean bool(String name, boolean fallback) {
        if (!has(name)) {
            return fallback;
        }
        JsonNode value = node.get(name);
        if (!value.isBoolean()) {
            throw PageException.unprocessable(name + " must be true or false");
        }
        return value.booleanValue();
    }

    /** A list of strings; empty when absent. */
    public List<String> strings(String name) {
        if (!has(name)) {
            return List.of();
        }
        JsonNode value = node.get(name);
        if (!value.isArray()) {
            throw PageException.unprocessable(name + " must be a list of strings");
        }
        List<String> result = new ArrayList<>(value.size());
        for (JsonNode item : value) {
            if (!item.isTextual()) {
                throw PageException.unprocessable(name + " must be a list of strings");
            }
            result.add(item.textValue());
        }
        return result;
    }

    public ArrayNode array(String name) {
        JsonNode value = node.get(name);
        if (value == null || !value.isArray()) {
            throw PageException.unprocessable(name + " must be a list");
        }
        return (ArrayNode) value;
    }

    /** Any JSON value, or null JSON when absent. */
    public JsonNode value(String name) {
        JsonNode value = node.get(name);
        return value == null ? NullNode.getInstance() : value;
    }
}
