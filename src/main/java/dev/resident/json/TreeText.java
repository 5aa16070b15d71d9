package dev.resident.json;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.Iterator;
import java.util.Map;

/**
 * JSON text of the trees pages and the protocol build most (objects, arrays, strings, whole
 * numbers, booleans, null) written straight into a {@link StringBuilder}, the way Jackson's
 * default generator writes them: a page's data change is encoded on every call, and
 * {@code ObjectMapper.writeValueAsString} set up a serializer provider and a generator each time
 * (3 % of a socket rpc's samples). Any other node (a decimal, binary, a POJO) is left to Jackson.
 */
final class TreeText {
    private static final char[] HEX = "0123456789ABCDEF".toCharArray();

    private TreeText() {
    }

    /** Appends {@code node}'s text to {@code out}; false (with {@code out} half-written) when some node is not one of ours. */
    static boolean append(JsonNode node, StringBuilder out) {
        switch (node.getNodeType()) {
            case OBJECT -> {
                out.append('{');
                Iterator<Map.Entry<String, JsonNode>> fields = node.fields();
                boolean first = true;
                while (fields.hasNext()) {
                    Map.Entry<String, JsonNode> field = fields.next();
                    if (!first) {
                        out.append(',');
                    }
                    first = false;
                    string(field.getKey(), out);
                    out.append(':');
                    if (!append(field.getValue(), out)) {
                        return false;
                    }
                }
                out.append('}');
                return true;
            }
            case ARRAY -> {
                out.append('[');
                for (int i = 0; i < node.size(); i++) {
                    if (i > 0) {
                        out.append(',');
                    }
                    if (!append(node.get(i), out)) {
                        return false;
                    }
                }
                out.append(']');
                return true;
            }
            case STRING -> {
                string(node.textValue(), out);
                return true;
            }
            case NUMBER -> {
                if (!node.isInt() && !node.isLong()) {
                    return false;
                }
                out.append(node.longValue());
                return true;
            }
            case BOOLEAN -> {
                out.append(node.booleanValue());
                return true;
            }
            case NULL -> {
                out.append("null");
                return true;
            }
            default -> {
                return false;
            }
        }
    }

    /** A JSON string: quotes, backslashes and control characters escaped as Jackson escapes them. */
    static void string(String text, StringBuilder out) {
        out.append('"');
        int start = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c >= 0x20 && c != '"' && c != '\\') {
                continue;
            }
            out.append(text, start, i);
            start = i + 1;
            out.append('\\');
            switch (c) {
                case '"', '\\' -> out.append(c);
                case '\b' -> out.append('b');
                case '\t' -> out.append('t');
                case '\n' -> out.append('n');
                case '\f' -> out.append('f');
                case '\r' -> out.append('r');
                default -> out.append("u00").append(HEX[c >> 4]).append(HEX[c & 0xF]);
            }
        }
        out.append(text, start, text.length());
        out.append('"');
    }
}
