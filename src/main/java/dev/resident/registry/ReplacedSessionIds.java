package dev.resident.registry;

import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The session ids that logins and logouts replaced in the last few seconds, each with its
 * connection when the login or logout was this process's. A request sent with one just before its
 * browser got the new id (another tab's call, a page opened at the same time, the second click of
 * a double click) is not a stranger's:
 * <ul>
 *   <li>a login of the same user gets the session the first login made, so the tab keeps its
 *       pages whichever answer its browser reads last;</li>
 *   <li>any other request is answered 503 {@code unavailable} rather than as a stranger's (404
 *       for its page, which would end it; a new session for a page open, which would log the
 *       browser out): the client sends it again, and its browser has the new id by then.</li>
 * </ul>
 * Nothing of the session goes to a request with a replaced id, so the id is still worthless
 * without the user's password (session fixation). Logins are rate limited; the ids kept are
 * bounded besides, and past the bound a replaced id is not kept (its requests are then answered
 * as a stranger's, as before this). An id that a login or logout on another process replaced is
 * learnt from the mark it left in the state store (see {@link DurableConnections#load}), with no
 * connection: it is answered 503 the same, and a login with it gets a session of its own.
 */
final class ReplacedSessionIds {
    /** How long a replaced id is kept: answered 503, and found by its user's second login. */
    static final long KEPT_MILLIS = 10_000;
    private static final int MAX_KEPT = 10_000;
    private final ConcurrentHashMap<String, Replaced> byId = new ConcurrentHashMap<>();

    /** {@code connection} and {@code user} are null for an id replaced on another process. */
    private record Replaced(Connection connection, String user, long at) {
    }

    /** {@code id} was {@code connection}'s until a login or logout at {@code now} made it {@code user}'s. */
    void replaced(String id, Connection connection, String user, long now) {
        if (room(now)) {
            byId.put(id, new Replaced(connection, user, now));
        }
    }

    /**
     * {@code id} was replaced at {@code at} by a login or logout on another process (its mark in
     * the store says so); a time ahead of this process's clock counts as now.
     */
    void replacedElsewhere(String id, long at, long now) {
        if (now - at < KEPT_MILLIS && room(now)) {
            byId.putIfAbsent(id, new Replaced(null, null, Math.min(at, now)));
        }
    }

    private boolean room(long now) {
        if (byId.size() >= MAX_KEPT) {
            sweep(now);
        }
        return byId.size() < MAX_KEPT;
    }

    /** Whether {@code id} was replaced less than {@link #KEPT_MILLIS} ago. */
    boolean recentlyReplaced(String id, long now) {
        return kept(id, now).isPresent();
    }

    /**
     * The connection whose id {@code id} was until a login or logout made it {@code user}'s less
     * than {@link #KEPT_MILLIS} ago.
     */
    Optional<Connection> find(String id, String user, long now) {
        return kept(id, now).filter(replaced -> user.equals(replaced.user())).map(Replaced::connection);
    }

    private Optional<Replaced> kept(String id, long now) {
        Replaced replaced = id == null ? null : byId.get(id);
        return replaced != null && now - replaced.at() < KEPT_MILLIS ? Optional.of(replaced) : Optional.empty();
    }

    /** {@code id} was not replaced after all (the login failed). */
    void forget(String id) {
        byId.remove(id);
    }

    void sweep(long now) {
        byId.values().removeIf(replaced -> now - replaced.at() >= KEPT_MILLIS);
    }
}
