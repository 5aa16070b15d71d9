package dev.resident.registry;

import com.fasterxml.jackson.databind.JsonNode;
import dev.resident.bus.Bus;
import dev.resident.bus.BusListener;
import dev.resident.id.Ids;
import dev.resident.metrics.ResidentMeters;
import dev.resident.ops.Timers;
import dev.resident.page.PageDirectory;
import dev.resident.page.PageException;
import dev.resident.page.PageType;
import dev.resident.page.PageTypes;
import dev.resident.page.Store;
import dev.resident.page.engine.CpuPool;
import dev.resident.page.engine.JobSubmitter;
import dev.resident.page.engine.PageHost;
import dev.resident.page.engine.PageMoved;
import dev.resident.page.engine.ResidentPage;
import dev.resident.state.StateStore;
import dev.resident.state.StateUnavailable;

import java.util.Collection;
import java.util.Optional;
import java.util.Set;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Future;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The registers of the legacy daemon: global store, users, connections and pages, with page →
 * connection → user ownership, the table → pages subscription index and expiry. What lives here
 * is this process's working copy; the state store keeps what must outlive it (see
 * {@link DurablePages} and {@link DurableConnections}).
 */
public final class Registry implements PageHost, PageDirectory, AutoCloseable {
    private final RegistrySettings settings;
    private final ResidentMeters meters;
    private final StateStore store;
    private final DurableConnections durableConnections;
    private final DurablePages durablePages;
    private final StateWriter writer;
    private final Store global;
    /** Logins and logouts of one session take turns (stripes by the connection's key). */
    private final StripedLocks sessionTurns = new StripedLocks(64);
    private final ReplacedSessionIds replacedIds = new ReplacedSessionIds();
    /** By session id (cookie). */
    private final ConcurrentHashMap<String, Connection> connections = new ConcurrentHashMap<>();
    /** By internal key, what pages refer to. */
    private final ConcurrentHashMap<String, Connection> byKey = new ConcurrentHashMap<>();
    /** By page key: the page id without its process suffix, so an old id still finds a moved page. */
    private final ConcurrentHashMap<String, ResidentPage> pages = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, UserEntry> users = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, Set<ResidentPage>> subscribers = new ConcurrentHashMap<>();
    /** The expiry sweep and the lease renewal on the process's timers. */
    private final List<Future<?>> timed;
    private final CpuPool cpu;
    private final Bus bus;
    private volatile boolean released;
    private volatile JobSubmitter jobs = JobSubmitter.NONE;

    /**
     * @param store      where state that outlives the process goes
     * @param cpu        the process's CPU pool, for page code (its owner closes it)
     * @param timers     the process's timers, for the expiry sweep and the lease renewal (its owner closes them)
     * @param busFactory creates the bus that delivers to this registry's pages (its creator closes it)
     */
    public Registry(RegistrySettings settings, StateSettings state, StateStore store, PageTypes types,
                    ResidentMeters meters, CpuPool cpu, Timers timers, Function<BusListener, Bus> busFactory) {
        this.settings = settings;
        this.meters = meters;
        this.store = store;
        String self = settings.process().isEmpty() ? "instance-" + Ids.newId() : settings.process();
        Buckets buckets = new Buckets(store, settings, state);
        DocumentLocks documentLocks = new DocumentLocks();
        this.durableConnections = new DurableConnections(buckets, settings, state, documentLocks);
        this.durablePages = new DurablePages(buckets, types, settings, meters, self, this,
                (page, reason) -> evict(page, 1012, reason));
        this.global = new JsonDocumentStore(buckets.global(), "global", state.maxStoreBytes(), documentLocks);
        this.writer = new StateWriter(durablePages::write, this::writeConnection, store::flush, meters,
                state.snapshotInterval());
        this.bus = new CountedBus(busFactory.apply(new Fanout(this, meters)), meters);
        this.cpu = cpu;
        this.timed = List.of(
                // the first lease at once, off this thread: the shared store's connection is made after the registry
                timers.after("resident-lease", Duration.ZERO, durablePages::renewLease),
                timers.every("resident-sweep", settings.sweepInterval(), () -> sweep(System.currentTimeMillis())),
                timers.every("resident-lease", Duration.ofMillis(Math.max(100, state.lease().toMillis() / 3)),
                        durablePages::renewLease));
        meters.gauge("resident.pages", "resident pages", pages::size);
        meters.gauge("resident.connections", "connections", connections::size);
        meters.gauge("resident.users", "users with a connection", users::size);
        meters.gauge("resident.state.pending", "changes waiting to be written to the state store", writer::pending);
        meters.gauge("resident.state.reachable", "1 while the state store answers", () -> stateReachable() ? 1 : 0);
        meters.gauge("resident.state.link.waiting", "requests waiting for the state store's NATS link to come back",
                store::waitingForLink);
        meters.gauge("resident.state.commit.writes", "logins, logouts and Store writes that waited for a commit"
                + " of the embedded store, since the start", () -> store.commits().writes());
        meters.gauge("resident.state.commits", "commits those writes shared, since the start",
                () -> store.commits().commits());
    }

    /** The connection named by the cookie, or a new one when the cookie is absent or unknown. */
    public Connection connect(String cookieId) {
        return find(cookieId).orElseGet(this::newConnection);
    }

    /**
     * The connection named by the cookie, touched, if it exists here or in the state store (a
     * restart, another process of the site).
     *
     * @throws PageException 503 {@code unavailable} when the state store cannot be asked, or the
     *                       cookie is an id that a login or logout replaced moments ago (the client
     *                       sends the request again, by then with the new id: see {@link ReplacedSessionIds})
     */
    public Optional<Connection> find(String cookieId) {
        long now = System.currentTimeMillis();
        Optional<Connection> found = findHere(cookieId, now);
        if (found.isEmpty() && replacedIds.recentlyReplaced(cookieId, now)) {
            throw new PageException(503, "unavailable", "this session id was just replaced by a login or logout; try again");
        }
        return found;
    }

    /** {@link #find}, without the answer for a replaced id. */
    private Optional<Connection> findHere(String cookieId, long now) {
        if (!Ids.isWellFormed(cookieId) || cookieId.indexOf('|') >= 0) {
            return Optional.empty();
        }
        Connection connection = connections.get(cookieId);
        if (connection != null && !connection.id().equals(cookieId)) {
            return Optional.empty(); // a login or logout is replacing this id: nothing of the session goes with it
        }
        if (connection != null && durableConnections.mustRecheck(connection, now)) {
            connection = recheck(connection, now);
        }
        if (connection == null) {
            connection = load(cookieId, now);
        }
        if (connection == null) {
            return Optional.empty();
        }
        if (durableConnections.expired(connection, now)) {
            dropSession(connection);
            return Optional.empty();
        }
        connection.touch(now);
        if (durableConnections.dueForRefresh(connection, now)) {
            writer.changed(connection);
        }
        return Optional.of(connection);
    }

    /**
     * Opens a page of the type registered at {@code path} for {@code connection}.
     *
     * @throws PageException 404 for an unknown path, 429 {@code too_many_pages}, or what the open hook throws
     */
    public ResidentPage openPage(Connection connection, String path, JsonNode params) throws Exception {
        PageType<?> type = durablePages.type(path)
                .orElseThrow(() -> new PageException(404, "unknown_page", "no page type at " + path));
        if (connection.pageSet().size() >= settings.maxPagesPerConnection()) {
            throw new PageException(429, "too_many_pages", "this connection has too many pages");
        }
        ResidentPage page = ResidentPage.open(Ids.newPageId(settings.process()), connection.key(), type, params,
                this, settings.pages(), newEpoch());
        add(connection, page);
        meters.pagesCreated.increment();
        return page;
    }

    /**
     * The page if it belongs to {@code connection}; another connection's page does not exist. A
     * page this process does not hold is continued from its saved copy when its owner is gone.
     *
     * @throws PageMoved when another live process runs it under another id
     * @throws PageException 503 {@code unavailable} while draining or when the state store cannot be asked
     */
    public Optional<ResidentPage> page(Connection connection, String pageId) {
        if (connection == null || pageId == null || pageId.length() > 64) {
            return Optional.empty();
        }
        String key = StateKeys.page(pageId);
        if (!Ids.isWellFormed(key)) {
            return Optional.empty();
        }
        ResidentPage page = pages.get(key);
        if (page == null && store.durable()) {
            if (released) {
                throw new PageException(503, "unavailable", "this process is stopping; try again");
            }
            try {
                page = durablePages.adopt(key, connection, pages::get, adopted -> add(connection, adopted))
                        .orElse(null);
            } catch (PageMoved moved) {
                if (moved.pageId().equals(pageId)) {
                    // its process holds it (or died and its lease has not run out): the client already
                    // names it rightly, and only waiting helps
                    throw new PageException(503, "unavailable", "the page's process is not reachable; try again");
                }
                throw moved;
            }
        }
        return page != null && page.connectionId().equals(connection.key()) ? Optional.of(page) : Optional.empty();
    }

    /** Drops a page for good (its client closed it, it expired, an admin dropped it): its socket is closed with {@code socketCode}. */
    public void closePage(ResidentPage page, int socketCode, String reason) {
        evict(page, socketCode, reason);
        writer.forget(page);
        durablePages.delete(page);
    }

    /**
     * Logs the session the cookie names in as {@code identity}, under a new session id (read it
     * from the connection): an id fixed before login is worthless. Empty when the cookie names no
     * session; then log a new one in ({@link #loginNew}). One session's logins and logouts take
     * turns, and a cookie that a login of the same user replaced moments ago (the second click of
     * a double click) gets the session as that login left it, with no other new id: both answers
     * carry one id (see {@link ReplacedSessionIds}).
     *
     * @throws PageException 503 {@code unavailable} when the session store cannot be written
     */
    public Optional<Connection> login(String cookieId, Identity identity) {
        long now = System.currentTimeMillis();
        Optional<Connection> found = findHere(cookieId, now).or(() -> replacedIds.find(cookieId, identity.user(), now));
        if (found.isEmpty()) {
            return Optional.empty();
        }
        Connection connection = found.get();
        return inTurn(connection, () -> {
            if (connection.id().equals(cookieId)) {
                replaceId(cookieId, connection, identity, now);
                return found;
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
        rotate(connection, identity);
        return connection;
    }

    /**
     * The session the cookie names becomes a new guest's, under a new session id; empty when the
     * cookie names none or a guest's (nothing to log out of), or a login or logout of it replaced
     * the id meanwhile (nothing of the session goes to a request that came with a dead id).
     *
     * @throws PageException 503 {@code unavailable} when the session store cannot be written
     */
    public Optional<Connection> logout(String cookieId) {
        long now = System.currentTimeMillis();
        Optional<Connection> found = findHere(cookieId, now);
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
            replaceId(cookieId, connection, Identity.newGuest(), now);
            return found;
        });
    }

    /**
     * The session under a new id, as {@code identity}, its old id kept as replaced: kept before it
     * goes, as a request with it may come as soon as it is unknown here.
     */
    private void replaceId(String oldId, Connection connection, Identity identity, long now) {
        replacedIds.replaced(oldId, connection, identity.user(), now);
        try {
            rotate(connection, identity);
        } catch (RuntimeException e) {
            replacedIds.forget(oldId);
            throw e;
        }
    }

    /** Runs a login or logout of the connection's session after any other still running. */
    private <T> T inTurn(Connection connection, Supplier<T> change) {
        ReentrantLock turn = sessionTurns.of(connection.key().hashCode());
        turn.lock();
        try {
            return change.get();
        } finally {
            turn.unlock();
        }
    }

    /**
     * Makes the connection act as {@code identity} under the same session id: for an identity read
     * from another app's session on every request (one login), where there is no login to fix.
     */
    public void assume(Connection connection, Identity identity) {
        if (!identity.equals(connection.identity())) {
            moveTo(connection, identity);
            writer.changed(connection);
        }
    }

    /** The connection becomes a new guest under the same session id (see {@link #assume}). */
    public void assumeGuest(Connection connection) {
        assume(connection, Identity.newGuest());
    }

    /** Drops expired pages, then connections left without pages past their ttl; refreshes saved copies. */
    public void sweep(long now) {
        for (ResidentPage page : pages.values()) {
            if (page.expired(now)) {
                closePage(page, 1000, "expired");
                meters.pagesExpired.increment();
            } else if (durablePages.dueForRefresh(page, now)) {
                writer.changed(page);
            }
        }
        for (Connection connection : connections.values()) {
            if (connection.pageSet().isEmpty() && durableConnections.idle(connection, now)) {
                drop(connection);
                meters.connectionsExpired.increment();
            }
        }
        replacedIds.sweep(now);
        try {
            store.sweep();
        } catch (StateUnavailable e) {
            // the writer reports the store's state
        }
    }

    /**
     * A drain: writes every page and connection, marks the pages released so another process
     * continues them at once, gives up the process lease and stops serving pages here.
     *
     * @param callWait how long to wait for a call still running on a page before saving it
     * @return true when everything was written
     */
    public boolean release(Duration callWait) {
        released = true;
        boolean complete = writer.flushThen(() -> durablePages.release(pages.values(),
                page -> evict(page, 1001, "server going away"), callWait));
        try {
            store.flush(); // the released snapshots were batched writes
        } catch (StateUnavailable e) {
            complete = false;
        }
        durablePages.releaseLease();
        return complete;
    }

    public Collection<ResidentPage> pages() {
        return pages.values();
    }

    @Override
    public Collection<ResidentPage> livePages() {
        return pages.values();
    }

    public Collection<Connection> connections() {
        return connections.values();
    }

    public Collection<UserEntry> users() {
        return users.values();
    }

    public Optional<UserEntry> user(String user) {
        return Optional.ofNullable(users.get(user));
    }

    /** Pages of this process subscribed to {@code table}. */
    public Set<ResidentPage> subscribers(String table) {
        return subscribers.getOrDefault(table, Set.of());
    }

    /** The tables that pages of this process watch. */
    public Set<String> subscribedTables() {
        return Set.copyOf(subscribers.keySet());
    }

    /** A page this process holds, by any of its ids. */
    public Optional<ResidentPage> anyPage(String pageId) {
        return pageId == null ? Optional.empty() : Optional.ofNullable(pages.get(StateKeys.page(pageId)));
    }

    /** Whether the state store answers and nothing waits to be retried. */
    public boolean stateReachable() {
        return store.reachable() && !writer.failing();
    }

    @Override
    public String userOf(String connectionKey) {
        Connection connection = byKey.get(connectionKey);
        return connection == null ? Ids.guestUser("unknown") : connection.user();
    }

    @Override
    public Store userStore(String connectionKey) {
        return durableConnections.userStore(userOf(connectionKey));
    }

    @Override
    public Store connectionStore(String connectionKey) {
        return durableConnections.connectionStore(connectionKey);
    }

    @Override
    public Store globalStore() {
        return global;
    }

    @Override
    public void beforeCall(ResidentPage page) {
        durablePages.beforeCall(page, pages.values());
    }

    @Override
    public void changed(ResidentPage page) {
        if (!page.isClosed() && store.durable()) {
            writer.changed(page);
        }
    }

    @Override
    public void subscribe(ResidentPage page, String table) {
        subscribers.compute(table, (t, set) -> {
            if (set == null) {
                set = ConcurrentHashMap.newKeySet();
                bus.watchTable(t);
            }
            set.add(page);
            return set;
        });
    }

    @Override
    public void unsubscribe(ResidentPage page, String table) {
        subscribers.computeIfPresent(table, (t, set) -> {
            set.remove(page);
            if (set.isEmpty()) {
                bus.unwatchTable(t);
                return null;
            }
            return set;
        });
    }

    @Override
    public Bus bus() {
        return bus;
    }

    @Override
    public CpuPool cpu() {
        return cpu;
    }

    @Override
    public JobSubmitter jobs() {
        return jobs;
    }

    /** Sets where pages' {@code submit} sends jobs (the task engine, built after the registry). */
    public void jobs(JobSubmitter submitter) {
        this.jobs = submitter;
    }

    /**
     * Stops the sweep and the lease renewal, writes what is pending and stops the writer; pages stay
     * as they are. The bus, the CPU pool and the timers are the process's: their owner closes them.
     */
    @Override
    public void close() {
        timed.forEach(task -> task.cancel(false));
        if (store.durable()) {
            writer.flush();
        }
        writer.close();
    }

    /** Forgets a connection that was minted for a request that then failed, so it leaves nothing behind. */
    public void discard(Connection connection) {
        if (connection.pageSet().isEmpty()) {
            drop(connection);
            writer.forget(connection);
            durableConnections.delete(connection.id());
        }
    }

    void writeConnection(Connection connection) {
        if (connections.get(connection.id()) != connection) {
            return; // rotated or dropped meanwhile
        }
        if (!durableConnections.writeInRound(connection)) {
            connections.remove(connection.id(), connection); // ended elsewhere (a logout, a new session id)
        }
    }

    private Connection newConnection() {
        long now = System.currentTimeMillis();
        String key = Ids.newId();
        Connection created = new Connection(Ids.newId(), key, Identity.newGuest(), now, now,
                durableConnections.connectionStore(key));
        register(created);
        writer.changed(created);
        return created;
    }

    private Connection load(String cookieId, long now) {
        return durableConnections.load(cookieId, now).map(record -> {
            Connection known = byKey.get(record.key());
            if (known != null) {
                // the same session under a newer id (a login on another process), or read again
                connections.remove(known.id(), known);
                known.id(cookieId);
                moveTo(known, record.identity());
                connections.put(cookieId, known);
                durableConnections.loaded(known, record);
                return known;
            }
            Connection loaded = durableConnections.connection(cookieId, record, now);
            register(loaded);
            return loaded;
        }).orElse(null);
    }

    /** Checks a connection held here against its stored copy: another process may have ended it or logged it in. */
    private Connection recheck(Connection connection, long now) {
        connection.checkedAt(now);
        Optional<ConnectionRecord> record = durableConnections.load(connection.id(), now);
        if (record.isEmpty() && connection.revision() == 0) {
            return connection; // minted here and not written yet: the writer has it
        }
        if (record.isEmpty() && durableConnections.vanished(connection.id())) {
            connection.revision(0); // its stored copy went with the store: written again as new
            writer.changed(connection);
            return connection;
        }
        if (record.isEmpty() || !record.get().key().equals(connection.key())) {
            connections.remove(connection.id(), connection);
            return null;
        }
        if (!record.get().identity().equals(connection.identity())) {
            moveTo(connection, record.get().identity());
        }
        durableConnections.loaded(connection, record.get());
        return connection;
    }

    private void register(Connection connection) {
        connections.put(connection.id(), connection);
        byKey.put(connection.key(), connection);
        join(connection.user(), connection);
    }

    private void add(Connection connection, ResidentPage page) {
        pages.put(StateKeys.page(page.id()), page);
        connection.pageSet().add(page);
        changed(page);
    }

    /** Drops a page from this process only: its saved copy stays, to be continued. */
    void evict(ResidentPage page, int socketCode, String reason) {
        if (pages.remove(StateKeys.page(page.id()), page)) {
            Connection connection = byKey.get(page.connectionId());
            if (connection != null) {
                connection.pageSet().remove(page);
                connection.touch(System.currentTimeMillis());
            }
        }
        page.close(socketCode, reason);
    }

    /**
     * The connection under a new session id, as {@code identity}. The old id stays mapped here
     * until the store no longer has it: a request with the old id meanwhile must find the
     * connection here, not load the old stored copy (which would turn the connection back to it).
     */
    private void rotate(Connection connection, Identity identity) {
        String old = connection.id();
        String fresh = Ids.newId();
        connection.id(fresh);
        connection.revision(0);
        connections.put(fresh, connection);
        moveTo(connection, identity);
        writer.forget(connection);
        try {
            durableConnections.replace(old, connection);
        } catch (StateUnavailable e) {
            writer.changed(connection);
            throw new PageException(503, "unavailable", "the session store is unreachable; try again");
        } finally {
            connections.remove(old, connection);
        }
    }

    /** Ends a session that outlived its absolute lifetime: the connection and its pages go. */
    private void dropSession(Connection connection) {
        drop(connection);
        durableConnections.delete(connection.id());
    }

    private void drop(Connection connection) {
        if (connections.remove(connection.id(), connection)) {
            byKey.remove(connection.key(), connection);
            forget(connection.user(), connection);
            for (ResidentPage page : connection.pages()) {
                closePage(page, 1000, "connection expired");
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
        users.compute(user, (u, entry) -> {
            UserEntry joined = entry == null ? new UserEntry(u) : entry;
            joined.connections().add(connection);
            return joined;
        });
    }

    private void forget(String user, Connection connection) {
        users.computeIfPresent(user, (u, entry) -> {
            entry.connections().remove(connection);
            return entry.connections().isEmpty() ? null : entry;
        });
    }

    static String newEpoch() {
        return Ids.newId().substring(0, 8);
    }
}
