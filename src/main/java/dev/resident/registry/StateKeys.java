package dev.resident.registry;

import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * Keys of the state buckets. Connection keys and page ids are already made of {@code [A-Za-z0-9_-]}
 * (a page id's {@code |pNN} suffix is left out: a page keeps its key when it moves); user names
 * are written as base64url, so any name is a valid NATS KV key.
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

    static String user(String user) {
        return "u" + ENCODER.encodeToString(user.getBytes(StandardCharsets.UTF_8));
    }
}
