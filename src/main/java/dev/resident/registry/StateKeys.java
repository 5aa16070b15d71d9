package dev.resident.registry;

import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * Keys of the state buckets. Connection keys and page ids are already made of {@code [A-Za-z0-9_-]}
 * (a page id's {@code |pNN} suffix is left out: a page keeps its key when it moves), a
 * connection's store is its key and its tenure joined by a dot; user names are written as
 * base64url, so any name is a valid NATS KV key.
 */
final class StateKeys {
    private static final Base64.Encoder ENCODER = Base64.getUrlEncoder().withoutPadding();

    private StateKeys() {
    }

    /** The key of a page: its id without the process suffix. */
    static String page(String pageId) {
        int bar = pageId.indexOf('|');
        return bar < 0 ? pageId : pageId.substring(0, bar);
    }

    /**
     * The key of a connection's {@code Store} while {@code tenure} holds it ({@link Connection#tenure()}):
     * whoever holds the connection next has a store of its own, which nothing written by a page
     * of an earlier holder reaches. A connection stored without a tenure (by an earlier version)
     * keeps its store under its key.
     */
    static String connectionStore(String connectionKey, String tenure) {
        return isToken(tenure) ? connectionKey + "." + tenure : connectionKey;
    }

    /** Whether {@code text} is 1 to 32 characters of {@code [A-Za-z0-9_-]} (a tenure this version wrote). */
    private static boolean isToken(String text) {
        if (text.isEmpty() || text.length() > 32) {
            return false;
        }
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (!(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_' || c == '-')) {
                return false;
            }
        }
        return true;
    }

    static String user(String user) {
        return "u" + ENCODER.encodeToString(user.getBytes(StandardCharsets.UTF_8));
    }
}
