package dev.resident.registry;

import dev.resident.id.Ids;
import dev.resident.page.PageException;
import dev.resident.page.engine.ResidentPage;
import dev.resident.state.StateUnavailable;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * The sessions this process holds: connections by session id (the {@code rsd_cid} cookie) and by
 * key (what pages refer to), users with their connections, and the logins and logouts that give a
 * session a new id. What lives here is this process's working copy; the state store keeps each
 * session (see {@link DurableConnections}), so a session id names the same connection after a
 * restart or on another process of the site.
 */
public final class Sessions {
    private final DurableConnections durable;
    private final StateWriter writer;
    private final int sessionsPerUser;
    private final Consumer<ResidentPage> closeEndedPage;
    private final Consumer<ResidentPage> closeHandedOverPage;
    private final Consumer<String> announceReplaced;
    /** Logins and logouts of one session take turns (stripes by the connection's key). */
    private final StripedLocks turns = new StripedLocks(64);
    private final ReplacedSessionIds replacedIds;
    /** By session id (cookie). */
    private final ConcurrentHashMap<String, Connection> connections = new ConcurrentHashMap<>();
    /** By internal key, what pages refer to. */
    private final ConcurrentHashMap<String, Connection> byKey = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, UserEntry> users = new ConcurrentHashMap<>();

    /**
     * @param sessionsPerUser  sessions of one logged-in user held here; beyond, the least recently
     *                         seen of them without pages leaves memory ({@link #keepWithinCap})
     * @param closeEndedPage   closes for good a page of a session that ended (expired, discarded)
     * @param closeHandedOverPage closes for good a page of a user whose session went to someone else
     * @param announceReplaced tells the site's other processes of a session id a login or logout replaced
     */
    Sessions(DurableConnections durable, ReplacedSessionIds replacedIds, StateWriter writer, int sessionsPerUser,
             Consumer<ResidentPage> closeEndedPage, Consumer<ResidentPage> closeHandedOverPage,
             Consumer<String> announceReplaced) {
        this.durable = durable;
        this.replacedIds = replacedIds;
        this.writer = writer;
        this.sessionsPerUser = sessionsPerUser;
        this.closeEndedPage = closeEndedPage;
        this.closeHandedOverPage = closeHandedOverPage;
        this.announceReplaced = announceReplaced;
    }

    /** A new guest's connection, for a request whose cookie named none it may use. */
    public Connection connect() {
        return newConnection();
    }

    /**
     * Its session id was just issued as a cookie that no other host can have set ({@code
     * __Host-}, over HTTPS), or as one that another host of the domain may plant too: from now on
     * the id names it only when it comes back the first way ({@link Connection#boundToHostCookie}).
     * The mark is kept with the session, for the site's other processes and after a restart.
     */
    public void issued(Connection connection, boolean asHostCookie) {
        if (connection.boundToHostCookie() != asHostCookie) {
            connection.boundToHostCookie(asHostCookie);
            writer.changed(connection);
        }
    }

    /**
     * The connection named by the cookie, touched, if it exists here or in the state store (a
     * restart, another process of the site), and the id may name it the way it came: an id issued
     * as a {@code __Host-} cookie names its session only when it comes back as one
     * ({@link #issued}).
     *
     * @param asHostCookie whether the id came as a {@code __Host-} cookie
     * @throws PageException 503 {@code unavailable} when the state store cannot be asked, or the
     *                       cookie is an id that a login or logout replaced moments ago (the client
     *                       sends the request again, by then with the new id: see {@link ReplacedSessionIds})
     */
    public Optional<Connection> find(String cookieId, boolean asHostCookie) {
        long now = System.currentTimeMillis();
        Optional<Connection> found = findHere(cookieId, asHostCookie, now);
        if (found.isEmpty() && replacedIds.recentlyReplaced(cookieId, now)) {
            throw new PageException(503, "unavailable", "this session id was just replaced by a login or logout; try again")
                    .retryAfter(1); // the browser has the new id by then
        }
        return found;
    }

    /** {@link #find}, without the answer for a replaced id. */
    private Optional<Connection> findHere(String cookieId, boolean asHostCookie, long now) {
        return findHere(cookieId, now).filter(connection -> asHostCookie || !connection.boundToHostCookie());
    }

    /** {@link #findHere(String, boolean, long)}, whichever cookie the id came as. */
    private Optional<Connection> findHere(String cookieId, long now) {
        if (!Ids.isWellFormed(cookieId) || cookieId.indexOf('|') >= 0) {
            return Optional.empty();
        }
        Connection connection = connections.get(cookieId);
        if (connection != null && !connection.id().equals(cookieId)) {
            return Optional.empty(); // a login or logout is replacing this id: nothing of the session goes with it
        }
        if (connection != null && durable.mustRecheck(connection, now)) {
            connection = recheck(connection, now);
        }
        if (connection == null) {
            connection = load(cookieId, now);
        }
        if (connection == null) {
            return Optional.empty();
        }
        if (durable.expired(connection, now)) {
            dropSession(connection);
            return Optional.empty();
        }
        connection.touch(now);
        if (durable.dueForRefresh(connection, now)) {
            writer.changed(connection);
        }
        return Optional.of(connection);
    }

    /**
     * Records the client address a guest's connection came from, unless one is known, and stores
     * it with the connection: its pages and the session itself count against that address's
     * share ({@link LiveShares}), after a restart or on another process too.
     */
    public void claimAddress(Connection connection, String addressKey) {
        if (connection.claimAddress(addressKey)) {
            writer.changed(connection);
        }
    }

    /**
     * Logs the session the cookie names in as {@code identity}, under a new session id (read it
     * from the connection): an id fixed before login is worthless. Empty when the cookie names no
     * session; then log a new one in ({@link #loginNew}). One session's logins and logouts take
     * turns, and a cookie that a login of the same user replaced moments ago (the second click of
     * a double click) gets the session as that login left it, with no other new id: both answers
     * carry one id (see {@link ReplacedSessionIds}). A live id names its session only the way
     * {@link #find} allows.
     *
     * @param asHostCookie whether the id came as a {@code __Host-} cookie
     * @throws PageException 503 {@code unavailable} when the session store cannot be written
     */
    public Optional<Connection> login(String cookieId, boolean asHostCookie, Identity identity) {
        long now = System.currentTimeMillis();
        Optional<Connection> found = findHere(cookieId, asHostCookie, now)
                .or(() -> replacedIds.find(cookieId, identity.user(), now)); // the same user's, replaced moments ago
        if (found.isEmpty()) {
            return Optional.empty();
        }
        Connection connection = found.get();
        return inTurn(connection, () -> {
            if (connection.id().equals(cookieId)) {
                // lost to a login or logout of the id elsewhere: a session of its own, as for an id replaced here
                return replaceId(cookieId, connection, identity, now) ? found : Optional.<Connection>empty();
            }
            // a login or logout of this session replaced the id meanwhile, or before this request came
            return replacedIds.find(cookieId, identity.user(), now)
                    .filter(replaced -> replaced == connection && identity.user().equals(connection.user())
                            && connections.get(connection.id()) == connection);
        });
    }

    /** A new session, logged in as {@code identity} (no other request knows it: no turn to wait for). */
    public Connection loginNew(Identity identity) {
        Connection connection = newConnection();
        durable.claim(connection); // minted here: no other request knows the id, so it is this login's
        rotate(connection, identity);
        return connection;
    }

    /**
     * The session the cookie names becomes a new guest's, under a new session id; empty when the
     * cookie names none or a guest's (nothing to log out of), or a login or logout of it replaced
     * the id meanwhile (nothing of the session goes to a request that came with a dead id).
     *
     * @param asHostCookie whether the id came as a {@code __Host-} cookie ({@link #find})
     * @throws PageException 503 {@code unavailable} when the session store cannot be written
     */
    public Optional<Connection> logout(String cookieId, boolean asHostCookie) {
        long now = System.currentTimeMillis();
        Optional<Connection> found = findHere(cookieId, asHostCookie, now);
        if (found.isEmpty()) {
            return found;
        }
        Connection connection = found.get();
        return inTurn(connection, () -> {
            if (!connection.id().equals(cookieId)) {
                return Optional.empty();
            }
            if (connection.identity().guest()) {
                return Optional.empty(); // nothing to log out of: no new id, nothing written, no cookie
            }
            // lost to a login or logout of the id elsewhere: nothing of the session goes to it
            return replaceId(cookieId, connection, Identity.newGuest(), now) ? found : Optional.<Connection>empty();
        });
    }

    /**
     * Makes the connection act as {@code identity} under the same session id: for an identity read
     * from another app's session on every request (one login), where there is no login to fix. A
     * user's session going to someone else ends what was theirs, as a logout does.
     *
     * @throws PageException 503 when the session store cannot be emptied (nothing changed then)
     */
    public void assume(Connection connection, Identity identity) {
        assume(connection, identity, null);
    }

    /**
     * Like {@link #assume(Connection, Identity)}, for an identity that the session named by
     * {@code fingerprint} proved ({@link SessionAuthenticator#fingerprint}): only a request
     * carrying that session keeps it through an outage ({@link #unproven}).
     */
    public void assume(Connection connection, Identity identity, String fingerprint) {
        connection.proven(identity, fingerprint);
        connection.provenAt(System.currentTimeMillis());
        if (identity.equals(connection.identity())) {
            return;
        }
        inTurn(connection, () -> {
            if (!identity.equals(connection.identity())) {
                if (handsOver(connection, identity)) {
                    endWhatWasTheirs(connection); // its pages' sockets close with 4404
                    connection.followTenure(identity.user()); // as every process holding the session makes it
                } else {
                    closeSockets(connection);
                }
                moveTo(connection, identity);
                closeSockets(connection); // any that attached meanwhile (each checks the session once attached)
                writer.changed(connection);
            }
            return null;
        });
    }

    /**
     * The connection becomes a guest under the same session id (see {@link #assume}): the same guest
     * on every process that holds the session.
     */
    public void assumeGuest(Connection connection) {
        assume(connection, connection.guestAfterTenure());
    }

    /**
     * The session the connection follows could not be asked about for a request that carried the
     * session named by {@code fingerprint}: the connection keeps its identity for {@code grace}
     * after it was last proven (or loaded), and then becomes a guest's, which ends a user's pages
     * (see {@link #assume}). Within the grace, only a request carrying the session that proved the
     * identity here may act as it: anyone else holding the session id could make the question
     * fail (a made-up session, a legacy app kept busy) and ride the identity.
     *
     * @return whether the request may go on as the connection's identity; false: refuse it (nothing changed)
     */
    public boolean unproven(Connection connection, Duration grace, String fingerprint) {
        if (connection.identity().guest()) {
            return true;
        }
        if (System.currentTimeMillis() - connection.provenAt() > grace.toMillis()) {
            assumeGuest(connection);
            return true;
        }
        return connection.provenBy(fingerprint);
    }

    /** Forgets a connection that was minted for a request that then failed, so it leaves nothing behind. */
    public void discard(Connection connection) {
        if (connection.pageSet().isEmpty()) {
            drop(connection);
            writer.forget(connection);
            durable.delete(connection.id());
        }
    }

    public Collection<Connection> connections() {
        return connections.values();
    }

    /** Each connection held here once, whatever ids it goes by. */
    Collection<Connection> held() {
        return byKey.values();
    }

    public Collection<UserEntry> users() {
        return users.values();
    }

    public Optional<UserEntry> user(String user) {
        return Optional.ofNullable(users.get(user));
    }

    /** The connection with internal key {@code key}, if this process holds it. */
    Optional<Connection> byKey(String key) {
        return Optional.ofNullable(byKey.get(key));
    }

    /**
     * Another process replaced session id {@code id} (a login or logout): if this process holds
     * the session under it, it checks it against the store at the next request with it, which then
     * finds the id replaced, rather than up to a recheck interval later; and, when it has pages,
     * at once, so that their sockets (opened by whoever held the id, perhaps an attacker who fixed
     * it) are closed before anything of the new identity reaches them.
     */
    void recheckSoon(String id) {
        Connection connection = connections.get(id);
        if (connection != null && connection.id().equals(id)) {
            connection.checkedAt(0);
            if (!connection.pageSet().isEmpty()) {
                // its pages' sockets ask nothing of the session: they learn of the change now, not
                // at the next request with this id (which an attacker's socket never sends)
                Thread.ofVirtual().name("resident-session-recheck").start(() -> inTurn(connection, () -> {
                    try {
                        if (connections.get(id) == connection && connection.id().equals(id)) {
                            recheck(connection, System.currentTimeMillis());
                        }
                    } catch (RuntimeException storeAway) {
                        // the store is unreachable: the next request with this id checks it again
                    }
                    return null;
                }));
            }
        }
    }

    /**
     * Drops connections left without pages past their ttl, and sessions past their maximum age
     * with their pages: a page whose socket keeps it alive sends no request that would find its
     * session too old. A connection whose id another process replaced (a login or logout there)
     * waits here, with its pages, for a request with its new id; one that never comes leaves
     * nothing behind once its pages are gone and its ttl passed.
     *
     * @return how many were dropped
     */
    int sweep(long now) {
        int dropped = 0;
        for (Connection connection : connections.values()) {
            if (durable.expired(connection, now) && connections.get(connection.id()) == connection) {
                dropSession(connection);
                dropped++;
            } else if (connection.pageSet().isEmpty() && durable.idle(connection, now)) {
                drop(connection);
                dropped++;
            }
        }
        for (Connection connection : byKey.values()) {
            if (connections.get(connection.id()) != connection && connection.pageSet().isEmpty()
                    && durable.idle(connection, now)) {
                byKey.remove(connection.key(), connection);
                forget(connection.user(), connection);
                dropped++;
            }
        }
        replacedIds.sweep(now);
        return dropped;
    }

    /**
     * Makes room in a full process: drops guests' connections that have no page and were idle at
     * least {@code minIdleMillis}, least recently seen first, at most {@code most}. Like the expiry
     * sweep, only earlier.
     *
     * @return how many were dropped
     */
    public int dropIdleGuests(long now, long minIdleMillis, int most) {
        List<Connection> idle = new ArrayList<>();
        for (Connection connection : byKey.values()) {
            if (connection.identity().guest() && connection.pageSet().isEmpty()
                    && now - connection.lastSeen() >= minIdleMillis) {
                idle.add(connection);
            }
        }
        idle.sort(Comparator.comparingLong(Connection::lastSeen));
        int dropped = 0;
        for (Connection connection : idle.subList(0, Math.min(most, idle.size()))) {
            drop(connection);
            dropped++;
        }
        return dropped;
    }

    /** The state writer's write of a connection. */
    void write(Connection connection) {
        if (connections.get(connection.id()) != connection) {
            return; // rotated or dropped meanwhile
        }
        if (!durable.writeInRound(connection)) {
            connections.remove(connection.id(), connection); // ended elsewhere (a logout, a new session id)
        }
    }

    /**
     * The session under a new id, as {@code identity}, its old id kept as replaced: kept before it
     * goes, as a request with it may come as soon as it is unknown here. Nothing changes unless the
     * old id is this handover's first ({@link DurableConnections#claim}): a login or logout of it
     * on another process that came first wins, and this process takes the session as the store has
     * it at the next request.
     *
     * @return false when a login or logout of the id on another process came first
     */
    private boolean replaceId(String oldId, Connection connection, Identity identity, long now) {
        if (!durable.claim(connection)) {
            connection.checkedAt(0); // its next request here finds the id replaced
            return false;
        }
        try {
            if (handsOver(connection, identity)) {
                endWhatWasTheirs(connection);
                connection.newTenure(); // written with the new id
            }
            replacedIds.replaced(oldId, connection, identity.user(), now);
            rotate(connection, identity);
        } catch (RuntimeException e) {
            replacedIds.forget(oldId);
            abandon(oldId, connection); // the id is replaced in the store: ended here as everywhere
            throw e;
        } finally {
            announceReplaced.accept(oldId);
        }
        return true;
    }

    /**
     * A handover failed (the store went away) after it took the session's old id: no request with
     * that id may act as the session here any more, as none may on another process.
     */
    private void abandon(String oldId, Connection connection) {
        closeSockets(connection);
        connections.remove(oldId, connection);
        connections.remove(connection.id(), connection); // a new id its answer never carried
    }

    /** Runs a login or logout of the connection's session after any other still running. */
    private <T> T inTurn(Connection connection, Supplier<T> change) {
        ReentrantLock turn = turns.of(connection.key().hashCode());
        turn.lock();
        try {
            return change.get();
        } finally {
            turn.unlock();
        }
    }

    private Connection newConnection() {
        long now = System.currentTimeMillis();
        String key = Ids.newId();
        Connection created = new Connection(Ids.newId(), key, Identity.newGuest(), now, now);
        register(created);
        writer.changed(created);
        return created;
    }

    private Connection load(String cookieId, long now) {
        return durable.load(cookieId, now).map(record -> {
            Connection known = byKey.get(record.key());
            if (known != null) {
                // the same session under a newer id (a login on another process), or read again
                if (!known.id().equals(cookieId) || heldOtherwise(known, record)) {
                    changedHandsElsewhere(known, record); // as for a login or logout here
                }
                connections.remove(known.id(), known);
                known.id(cookieId);
                takeHolder(known, record);
                connections.put(cookieId, known);
                byKey.put(known.key(), known); // the sweep may have forgotten it while no id named it
                durable.loaded(known, record);
                return known;
            }
            Connection loaded = durable.connection(cookieId, record, now);
            register(loaded);
            return loaded;
        }).orElse(null);
    }

    /** Checks a connection held here against its stored copy: another process may have ended it or logged it in. */
    private Connection recheck(Connection connection, long now) {
        connection.checkedAt(now);
        Optional<ConnectionRecord> record = durable.load(connection.id(), now);
        if (record.isPresent() && record.get().revision() == connection.revision()
                && record.get().key().equals(connection.key())) {
            // the copy this process last read or wrote: nothing new elsewhere, and what changed here
            // since (a followed session's switch, a cookie's kind) waits for the writer, not to be undone
            return connection;
        }
        if (record.isEmpty() && connection.revision() == 0) {
            return connection; // minted here and not written yet: the writer has it
        }
        if (record.isEmpty() && durable.vanished(connection.id())) {
            connection.revision(0); // its stored copy went with the store: written again as new
            writer.changed(connection);
            return connection;
        }
        if (record.isEmpty() || !record.get().key().equals(connection.key())) {
            closeSockets(connection); // ended or given a new id elsewhere: a logout, a login
            connections.remove(connection.id(), connection);
            return null;
        }
        if (DurableConnections.fromBeforeOwnSwitch(record.get(), connection)) {
            // written elsewhere before this process wrote its switch of a followed session: the
            // writer writes the switch over it, and no other process writes it back
            return connection;
        }
        if (heldOtherwise(connection, record.get())) {
            changedHandsElsewhere(connection, record.get());
            takeHolder(connection, record.get());
        }
        durable.loaded(connection, record.get());
        return connection;
    }

    private void register(Connection connection) {
        connections.put(connection.id(), connection);
        byKey.put(connection.key(), connection);
        join(connection.user(), connection);
    }

    /**
     * The connection under a new session id, as {@code identity}, its old id {@link
     * DurableConnections#claim claimed} already. The old id stays mapped here until the new one is
     * stored: a request with the old id meanwhile finds the connection here being handed over, and
     * is answered as one with a replaced id.
     */
    private void rotate(Connection connection, Identity identity) {
        closeSockets(connection);
        String old = connection.id();
        String fresh = Ids.newId();
        connection.id(fresh);
        connection.revision(0);
        connections.put(fresh, connection);
        moveTo(connection, identity);
        closeSockets(connection); // any that attached meanwhile (each checks the session once attached)
        writer.forget(connection);
        try {
            durable.replace(connection);
        } catch (StateUnavailable e) {
            writer.changed(connection);
            throw new PageException(503, "unavailable", "the session store is unreachable; try again");
        } finally {
            connections.remove(old, connection);
        }
    }

    /** Whether the stored copy names another holder than the one held here (another identity or tenure). */
    private static boolean heldOtherwise(Connection connection, ConnectionRecord stored) {
        return !stored.identity().equals(connection.identity()) || !stored.tenure().equals(connection.tenure());
    }

    /** Takes the stored copy's holder: its tenure before its identity, as a page of the holder before asks by it. */
    private void takeHolder(Connection connection, ConnectionRecord stored) {
        connection.tenure(stored.tenure());
        moveTo(connection, stored.identity());
    }

    /**
     * A login or logout on another process gave the session held here the holder of its stored copy
     * {@code next}: its sockets close, and a user's pages end as they would have here (that process
     * emptied the store), also when the session came back to the same user since (a logout and a
     * login again there: its tenure changed).
     */
    private void changedHandsElsewhere(Connection connection, ConnectionRecord next) {
        closeSockets(connection);
        if (handsOver(connection, next.identity()) || !next.tenure().equals(connection.tenure())) {
            endPages(connection);
        }
    }

    /** Whether a user's session goes to someone else (a guest's going to its login is not). */
    private static boolean handsOver(Connection connection, Identity next) {
        return !connection.identity().guest() && !connection.user().equals(next.user());
    }

    private void endPages(Connection connection) {
        for (ResidentPage page : connection.pages()) {
            closeHandedOverPage.accept(page);
        }
    }

    /**
     * A user's session goes to someone else (a logout, another user's login on a shared browser):
     * what the user had open stays theirs. Their pages end (their sockets close with 4404, which
     * resident.js reports as the page gone), and the connection's {@code Store} is emptied. A guest's session that logs in keeps
     * both: it is the same person's, carried into the login.
     *
     * @throws PageException 503 when the store cannot be emptied (nothing changed then)
     */
    private void endWhatWasTheirs(Connection connection) {
        try {
            durable.clearConnectionStore(connection);
        } catch (StateUnavailable e) {
            throw new PageException(503, "unavailable", "the session store is unreachable; try again");
        }
        endPages(connection);
    }

    /**
     * Before the session changes hands (a login, a logout, another identity assumed): the sockets
     * of its pages were opened by whoever held the session before, perhaps an attacker who fixed
     * its id; they are closed first, so that no call on them runs as, and no message to them is
     * meant for, the new identity; and once more after the change, for a socket that attached in
     * between (one attaching later finds the change itself). Their clients connect again (1012)
     * with the cookie they have now.
     */
    private static void closeSockets(Connection connection) {
        for (ResidentPage page : connection.pages()) {
            page.closeSocket(1012, "session changed");
        }
    }

    /** Ends a session that outlived its absolute lifetime: the connection and its pages go. */
    private void dropSession(Connection connection) {
        drop(connection);
        durable.delete(connection.id());
    }

    private void drop(Connection connection) {
        if (connections.remove(connection.id(), connection)) {
            byKey.remove(connection.key(), connection);
            forget(connection.user(), connection);
            for (ResidentPage page : connection.pages()) {
                closeEndedPage.accept(page);
            }
        }
    }

    private void moveTo(Connection connection, Identity identity) {
        String before = connection.user();
        connection.identity(identity);
        forget(before, connection);
        join(identity.user(), connection);
    }

    /** Adds a connection to its user's entry; inside compute so a concurrent {@link #forget} cannot drop it. */
    private void join(String user, Connection connection) {
        UserEntry entry = users.compute(user, (u, known) -> {
            UserEntry joined = known == null ? new UserEntry(u) : known;
            joined.connections().add(connection);
            return joined;
        });
        if (!connection.identity().guest() && entry.connections().size() > sessionsPerUser) {
            keepWithinCap(entry, connection);
        }
    }

    /**
     * A user holds more sessions here than {@code sessions-per-user}: the least recently seen one
     * without pages (not {@code joining}) leaves memory, as one the expiry sweep forgets. A durable
     * state store keeps it, so its cookie finds it again; the memory store does not (a logout of
     * the user's most neglected session). Each login creates a session, so without this one user
     * logging in over and over held the process's {@code max-connections}; a user's sessions with
     * pages are bounded by {@code max-pages-per-user}.
     */
    private void keepWithinCap(UserEntry entry, Connection joining) {
        Connection oldest = null;
        for (Connection connection : entry.connections()) {
            if (connection != joining && connection.pageSet().isEmpty()
                    && (oldest == null || connection.lastSeen() < oldest.lastSeen())) {
                oldest = connection;
            }
        }
        if (oldest != null) {
            drop(oldest);
        }
    }

    private void forget(String user, Connection connection) {
        users.computeIfPresent(user, (u, entry) -> {
            entry.connections().remove(connection);
            return entry.connections().isEmpty() ? null : entry;
        });
    }
}
