package dev.resident.registry;

import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The session ids that logins replaced in the last few seconds, each with its connection. The
 * second login of a double click (or a retried one) was sent with the id the first replaced:
 * when it is the same user's, it gets the session the first one made instead of a session of its
 * own, and the tab keeps its pages whichever answer its browser reads last. Nothing else looks
 * here, so a replaced id is still worthless without the user's password (session fixation).
 * Logins are rate limited; the ids kept are bounded besides, and past the bound a login's replaced
 * id is not kept (a double click then makes two sessions, as it did before this).
 */
final class ReplacedSessionIds {
    /** How long a replaced id still finds its session for that user's second login. */
    static final long KEPT_MILLIS = 10_000;
    private static final int MAX_KEPT = 10_000;
    private final ConcurrentHashMap<String, Replaced> byId = new ConcurrentHashMap<>();

    private record Replaced(Connection connection, String user, long at) {
    }

    /** {@code id} was {@code connection}'s until {@code user}'s login at {@code now}. */
    void replaced(String id, Connection connection, String user, long now) {
        if (byId.size() >= MAX_KEPT) {
            sweep(now);
            if (byId.size() >= MAX_KEPT) {
                return;
            }
        }
        byId.put(id, new Replaced(connection, user, now));
    }

    /** The connection whose id {@code id} was until {@code user}'s login less than {@link #KEPT_MILLIS} ago. */
    Optional<Connection> find(String id, String user, long now) {
        Replaced replaced = id == null ? null : byId.get(id);
        if (replaced == null || now - replaced.at() >= KEPT_MILLIS || !replaced.user().equals(user)) {
            return Optional.empty();
        }
        return Optional.of(replaced.connection());
    }

    /** {@code id} was not replaced after all (the login failed). */
    void forget(String id) {
        byId.remove(id);
    }

    void sweep(long now) {
        byId.values().removeIf(replaced -> now - replaced.at() >= KEPT_MILLIS);
    }
}
