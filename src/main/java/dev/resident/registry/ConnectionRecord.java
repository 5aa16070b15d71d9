package dev.resident.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.resident.json.Json;

import java.util.HashSet;
import java.util.Optional;
import java.util.Set;

/**
 * A connection as kept in the {@code connections} bucket, under its session id:
 * {@code {"v":1,"key","user","guest","roles","created","seen","share"?,"host"?}}; {@code revision} is the
 * stored copy's (not written), {@code share} a guest's client address share ({@link LiveShares}),
 * so that its pages and its session count against that address after a restart or a move too;
 * {@code host} true when its id counts only as a {@code __Host-} cookie
 * ({@link Connection#boundToHostCookie}). An id that a login or logout replaced holds a mark
 * instead, {@code {"v":1,"replaced"}} (when), which names nothing of the session.
 */
record ConnectionRecord(String key, Identity identity, long created, long seen, String addressShare,
                        boolean boundToHostCookie, String tenure, long revision) {
    private static final int VERSION = 1;
    /** Longer than any address share ({@code a:} and an IPv6 /64 or /48 key). */
    private static final int MAX_SHARE = 80;

    static ConnectionRecord of(Connection connection) {
        return new ConnectionRecord(connection.key(), connection.identity(), connection.createdAt(),
                connection.lastSeen(), connection.addressShare(), connection.boundToHostCookie(), connection.tenure(),
                connection.revision());
    }

    byte[] encode() {
        ObjectNode node = Json.object()
                .put("v", VERSION)
                .put("key", key)
                .put("user", identity.user())
                .put("guest", identity.guest())
                .put("created", created)
                .put("seen", seen)
                .put("tenure", tenure);
        identity.roles().forEach(node.putArray("roles")::add);
        if (addressShare != null && identity.guest()) {
            node.put("share", addressShare);
        }
        if (boundToHostCookie) {
            node.put("host", true);
        }
        return Json.bytes(node);
    }

    /** The mark left under an id that a login or logout replaced at {@code at}. */
    static byte[] replacedMark(long at) {
        return Json.bytes(Json.object().put("v", VERSION).put("replaced", at));
    }

    /** When a login or logout replaced the id these bytes are kept under, or -1 when they are no such mark. */
    static long replacedAt(byte[] bytes) {
        try {
            JsonNode node = Json.parse(bytes);
            return node.path("v").asInt() == VERSION && node.path("replaced").canConvertToLong()
                    ? node.get("replaced").asLong() : -1;
        } catch (Json.MalformedJsonException e) {
            return -1;
        }
    }

    /** The record, or empty when the bytes are not one this version wrote (or a replaced id's mark). */
    static Optional<ConnectionRecord> decode(byte[] bytes, long revision) {
        try {
            JsonNode node = Json.parse(bytes);
            if (node.path("v").asInt() != VERSION || !node.path("key").isTextual() || !node.path("user").isTextual()) {
                return Optional.empty();
            }
            Set<String> roles = new HashSet<>();
            node.path("roles").forEach(role -> roles.add(role.asText()));
            String share = node.path("share").asText("");
            return Optional.of(new ConnectionRecord(node.get("key").asText(),
                    new Identity(node.get("user").asText(), node.path("guest").asBoolean(), Set.copyOf(roles)),
                    node.path("created").asLong(), node.path("seen").asLong(),
                    LiveShares.isAddressShare(share) && share.length() <= MAX_SHARE ? share : null,
                    node.path("host").asBoolean(false), boundedText(node.path("tenure")), revision));
        } catch (Json.MalformedJsonException e) {
            return Optional.empty();
        }
    }

    /** A token written by this class (22 characters); anything longer or not text is no tenure ({@code ""}). */
    static String boundedText(JsonNode tenure) {
        String text = tenure.asText("");
        return text.length() <= 32 ? text : "";
    }
}
