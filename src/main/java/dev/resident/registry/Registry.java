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
import io.helidon.metrics.api.Counter;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.Optional;
import java.util.Set;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * The registers of the legacy daemon: global store, pages and {@link Sessions} (connections and
 * users), with page → connection → user ownership, the table → pages subscription index and
 * expiry. What lives here is this process's working copy; the state store keeps what must outlive
 * it (see {@link DurablePages} and {@link DurableConnections}).
 */
public final class Registry implements PageHost, PageDirectory, AutoCloseable {
    /** Senders of notices remembered at once; beyond, a new one waits for a full bucket to be forgotten. */
    private static final int MAX_NOTICE_SENDERS = 100_000;
    private final RegistrySettings settings;
    private final ResidentMeters meters;
    private final StateStore store;
    private final DurableConnections durableConnections;
    private final DurablePages durablePages;
    private final StateWriter writer;
    private final Store global;
    private final Sessions sessions;
    private final LiveShares shares = new LiveShares();
    /** When a share that grew past its bound was last weighed between sweeps (millis). */
    private final AtomicLong sharesWeighedAt = new AtomicLong();
    private final ReentrantLock weighing = new ReentrantLock();
    /** By page key: the page id without its process suffix, so an old id still finds a moved page. */
    private final ConcurrentHashMap<String, ResidentPage> pages = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, Set<ResidentPage>> subscribers = new ConcurrentHashMap<>();
    private final TableIntroductions introductions;
    /** The expiry sweep and the lease renewal on the process's timers. */
    private final List<Future<?>> timed;
    private final CpuPool cpu;
    private final Bus bus;
    private volatile boolean released;
    private volatile Runnable processIdTaken = () -> { };
    /** The {@code Retry-After} seconds of a page refused because this process is stopping. */
    private volatile LongSupplier stoppingRetryAfter = () -> 1;
    private volatile JobSubmitter jobs = JobSubmitter.NONE;
    /** Notices and broadcasts by sending user. */
    private final RateLimiter notices;
    private final Counter noticesRefused;

    /**
     * @param store      where state that outlives the process goes
     * @param cpu        the process's CPU pool, for page code (its owner closes it)
     * @param timers     the process's timers, for the expiry sweep and the lease renewal (its owner closes them)
     * @param busFactory creates the bus that delivers to this registry's pages (its creator closes it)
     */
    public Registry(RegistrySettings settings, StateSettings state, StateStore store, PageTypes types,
                    ResidentMeters meters, CpuPool cpu, Timers timers, Function<BusListener, Bus> busFactory) {
        this.settings = settings;
        this.introductions = new TableIntroductions(settings.maxWatchedTables());
        this.notices = new RateLimiter(settings.noticesPerMinute(), MAX_NOTICE_SENDERS);
        this.noticesRefused = meters.counter("resident.notices.refused",
                "notices and broadcasts refused because their sender passed resident.limits.notices-per-minute");
        this.meters = meters;
        this.store = store;
        String self = settings.process().isEmpty() ? "instance-" + Ids.newId() : settings.process();
        Buckets buckets = new Buckets(store, settings, state);
        DocumentLocks documentLocks = new DocumentLocks();
        ReplacedSessionIds replacedIds = new ReplacedSessionIds();
        RefusedWrites refusedWrites = new RefusedWrites(meters);
        this.durableConnections = new DurableConnections(buckets, settings, state, documentLocks, replacedIds,
                refusedWrites);
        this.durablePages = new DurablePages(buckets, types, settings, state.maxPageBytes(), meters, self, this,
                (page, reason) -> evict(page, 1012, reason), this::measured, refusedWrites,
                () -> processIdTaken.run());
        this.global = new JsonDocumentStore(buckets.global(), "global", state.maxStoreBytes(), documentLocks);
        this.writer = new StateWriter(durablePages::write, this::writeConnection, store::flush, meters,
                state.snapshotInterval());
        this.sessions = new Sessions(durableConnections, replacedIds, writer, settings.sessionsPerUser(),
                page -> closePage(page, 1000, "connection expired"), page -> closePage(page, 4404, "logged out"),
                this::announceReplaced);
        this.bus = new CountedBus(busFactory.apply(new Fanout(this, meters)), meters);
        this.cpu = cpu;
        this.timed = List.of(
                // the first lease at once, off this thread: the shared store's connection is made after the registry
                timers.after("resident-lease", Duration.ZERO, durablePages::renewLease),
                timers.every("resident-sweep", settings.sweepInterval(), () -> sweep(System.currentTimeMillis())),
                timers.every("resident-lease", Duration.ofMillis(Math.max(100, state.lease().toMillis() / 3)),
                        durablePages::renewLease));
        meters.gauge("resident.pages", "resident pages", pages::size);
        meters.gauge("resident.connections", "connections", () -> sessions.connections().size());
        meters.gauge("resident.users", "users with a connection", () -> sessions.users().size());
        meters.gauge("resident.state.pending", "changes waiting to be written to the state store", writer::pending);
        meters.gauge("resident.state.reachable", "1 while the state store answers", () -> stateReachable() ? 1 : 0);
        meters.gauge("resident.state.link.waiting", "requests waiting for the state store's NATS link to come back",
                store::waitingForLink);
        meters.gauge("resident.state.commit.writes", "logins, logouts and Store writes that waited for a commit"
                + " of the embedded store, since the start", () -> store.commits().writes());
        meters.gauge("resident.state.commits", "commits those writes shared, since the start",
                () -> store.commits().commits());
    }

    /**
     * Opens a page of the type registered at {@code path} for {@code connection}.
     *
     * @param caller the key of the client address that opens it, worked out if page code asks
     * @throws PageException 404 for an unknown path, 429 {@code too_many_pages}, or what the open hook throws
     */
    public ResidentPage openPage(Connection connection, String path, JsonNode params, Supplier<String> caller)
            throws Exception {
        PageType<?> type = durablePages.type(path)
                .orElseThrow(() -> new PageException(404, "unknown_page", "no page type at " + path));
        if (!connection.reservePage(settings.maxPagesPerConnection())) {
            throw new PageException(429, "too_many_pages", "this connection has too many pages");
        }
        ResidentPage page;
        try {
            page = ResidentPage.open(Ids.newPageId(settings.process()), connection.key(), type, params, caller,
                    this, settings.pages(), newEpoch());
            hold(connection, page);
        } finally {
            connection.pageOpened();
        }
        storeOpened(connection, page);
        meters.pagesCreated.increment();
        return page;
    }

    /**
     * The page if it belongs to {@code connection}; another connection's page does not exist. A
     * page this process does not hold is continued from its saved copy when its owner is gone.
     *
     * @param admitContinued runs before a saved page is continued here (a restart, a drain, a dead
     *                       process): it counts like a page opened, and throwing refuses it (its
     *                       saved copy stays, and the client may ask again)
     * @throws PageMoved when another live process runs it under another id
     * @throws PageException 503 {@code unavailable} while draining or when the state store cannot be
     *                       asked; 429 {@code too_many_pages} when the connection has its most pages
     */
    public Optional<ResidentPage> page(Connection connection, String pageId, Runnable admitContinued) {
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
                // another process may have continued it already: its caller goes there at once
                Optional<String> continued = durablePages.continuedElsewhere(key, connection);
                if (continued.isPresent() && !continued.get().equals(pageId)) {
                    throw new PageMoved(continued.get());
                }
                // on a site another process continues it as soon as any request for it lands there (its
                // socket's reconnect, through the balancer): asked again in a second, it has likely
                // moved; alone, nothing can continue it before this process stops answering
                throw new PageException(503, "unavailable", "this process is stopping; try again")
                        .retryAfter(store.shared() ? 1 : stoppingRetryAfter.getAsLong());
            }
            boolean[] reserved = new boolean[1];
            try {
                page = durablePages.adopt(key, connection, pages::get, () -> {
                    if (!connection.reservePage(settings.maxPagesPerConnection())) {
                        throw new PageException(429, "too_many_pages", "this connection has too many pages");
                    }
                    reserved[0] = true;
                    admitContinued.run();
                }, adopted -> {
                    hold(connection, adopted);
                    changed(adopted);
                }).orElse(null);
            } catch (PageMoved moved) {
                if (moved.pageId().equals(pageId)) {
                    // its process holds it (or died and its lease has not run out, or this process is
                    // just back from an outage and waits for it to renew): the client already names it
                    // rightly, and only waiting helps: a second, as its process answers or lets go of
                    // it within moments (a drain releasing it; a balancer's retry that came here)
                    throw new PageException(503, "unavailable", "the page's process is not reachable; try again")
                            .retryAfter(1);
                }
                throw moved;
            } finally {
                if (reserved[0]) {
                    connection.pageOpened();
                }
            }
        }
        if (page == null || !page.connectionId().equals(connection.key())) {
            return Optional.empty();
        }
        if (!page.tenure().equals(connection.tenure())) {
            // whoever held the session before made or continued it while the session changed hands
            // (a logout as it was continued here): ended, as the change ended their other pages
            closePage(page, 4404, "the page's session went to someone else");
            return Optional.empty();
        }
        return Optional.of(page);
    }

    /**
     * Drops a page for good (its client closed it, it expired, an admin dropped it, its share held
     * too much): its socket is closed with {@code socketCode} and its saved copy deleted. After a
     * lapse of this process's lease (a pause longer than the lease) another process may run the page
     * now, from that copy: then only this process's stale copy goes, as {@code lost}, and the
     * other's page stays.
     *
     * @return false when the page was another process's by now
     */
    public boolean closePage(ResidentPage page, int socketCode, String reason) {
        if (!durablePages.stillOwnToClose(page, pages.values())) {
            return false;
        }
        leave(page);
        page.close(socketCode, reason);
        writer.forget(page);
        durablePages.delete(page);
        return true;
    }

    /**
     * Makes room in a full process: evicts guests' pages that have no socket and were idle at
     * least {@code minIdleMillis}, least recently active first, at most {@code most}. Like the
     * expiry sweep, only earlier; with a durable store their saved copies stay, and a page whose
     * client comes back is continued from its copy.
     *
     * @return how many were evicted
     */
    public int evictIdleGuestPages(long now, long minIdleMillis, int most) {
        List<ResidentPage> idle = new ArrayList<>();
        for (ResidentPage page : pages.values()) {
            if (!page.hasSocket() && now - page.lastActive() >= minIdleMillis
                    && sessions.byKey(page.connectionId()).map(c -> c.identity().guest()).orElse(true)) {
                idle.add(page);
            }
        }
        idle.sort(Comparator.comparingLong(ResidentPage::lastActive));
        int evicted = 0;
        for (ResidentPage page : idle.subList(0, Math.min(most, idle.size()))) {
            evict(page, 1001, "the server made room");
            evicted++;
        }
        return evicted;
    }

    /**
     * Counts the live pages and guest connections of each share again, and closes the largest
     * pages of a share whose pages hold more than {@code max-held-per-share}.
     */
    private void weighShares(long now) {
        if (!weighing.tryLock()) {
            return; // the sweep and a share that grew at once: one count is enough
        }
        try {
            for (ResidentPage page : shares.recount(pages.values(), sessions.held(),
                    key -> sessions.byKey(key).orElse(null), now, settings.maxHeldPerShare())) {
                if (closePage(page, 1009, "the pages of this user or address hold too much")) {
                    meters.pagesOverShare.increment();
                }
            }
        } finally {
            weighing.unlock();
        }
    }

    /**
     * A snapshot of {@code page} was encoded at {@code bytes}: a share that grows past its bound is
     * weighed again at once (at most once a second), not only at the next sweep.
     */
    private void measured(ResidentPage page, long bytes) {
        long grown = bytes - page.measured(bytes);
        if (grown <= 0 || settings.maxHeldPerShare() == Long.MAX_VALUE) {
            return;
        }
        String share = sessions.byKey(page.connectionId()).map(Connection::share).orElse(null);
        if (share == null || !shares.grew(share, grown, settings.maxHeldPerShare())) {
            return;
        }
        long now = System.currentTimeMillis();
        long last = sharesWeighedAt.get();
        if (now - last >= 1000 && sharesWeighedAt.compareAndSet(last, now)) {
            Thread.ofVirtual().name("resident-shares").start(() -> weighShares(System.currentTimeMillis()));
        }
    }

    /** Drops expired pages, then connections left without pages past their ttl; refreshes saved copies. */
    public void sweep(long now) {
        for (ResidentPage page : pages.values()) {
            if (page.expired(now)) {
                if (closePage(page, 1000, "expired")) {
                    meters.pagesExpired.increment();
                }
            } else if (durablePages.dueForRefresh(page, now)) {
                writer.changed(page);
            }
        }
        meters.connectionsExpired.increment(sessions.sweep(now));
        weighShares(now);
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

    /** Live pages and guest connections by share, for the admission's caps. */
    public LiveShares shares() {
        return shares;
    }

    /** The sessions: connections and users, logins and logouts. */
    public Sessions sessions() {
        return sessions;
    }

    /**
     * What to do when another process of the site, started before this one, runs under this
     * process's id (its lease says so): this one should stop. Until set, only the log says it.
     */
    public void whenProcessIdTaken(Runnable action) {
        processIdTaken = action;
    }

    /**
     * The {@code Retry-After} seconds of a page refused because this process released its pages
     * (how long until it stops answering); 1 until set.
     */
    public void retryAfterWhileStopping(LongSupplier seconds) {
        stoppingRetryAfter = seconds;
    }

    public Collection<ResidentPage> pages() {
        return pages.values();
    }

    @Override
    public Collection<ResidentPage> livePages() {
        return pages.values();
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
    public String addressOf(String connectionKey) {
        return sessions.byKey(connectionKey).map(Connection::addressShare).map(LiveShares::addressOf).orElse(null);
    }

    @Override
    public String userOf(String connectionKey, String tenure) {
        return sessions.byKey(connectionKey).map(connection -> connection.userUnder(tenure))
                .orElseGet(() -> Ids.guestUser("unknown")); // not held here, or an older tenure: nobody
    }

    @Override
    public Store userStore(String connectionKey, String tenure) {
        Connection connection = sessions.byKey(connectionKey).orElse(null);
        String user = connection == null ? null : connection.user(); // before the tenure: a new holder's is set first
        if (connection == null || !connection.tenure().equals(tenure)) {
            throw new PageException(409, "session_changed",
                    "the page's session went to someone else: its user's store is no longer the page's");
        }
        return durableConnections.userStore(user);
    }

    @Override
    public String tenure(String connectionKey) {
        return sessions.byKey(connectionKey).map(Connection::tenure).orElseGet(Ids::newId); // not held here: nobody's
    }

    @Override
    public Store connectionStore(String connectionKey, String tenure) {
        return durableConnections.connectionStore(connectionKey, tenure);
    }

    @Override
    public Store globalStore() {
        return global;
    }

    @Override
    public void beforeNotice(String sender) {
        long wait = notices.acquire(sender, System.currentTimeMillis());
        if (wait > 0) {
            noticesRefused.increment();
            throw PageException.rateLimited("too many notices and broadcasts; try again in " + wait + " s");
        }
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
                if (subscribers.size() >= settings.maxWatchedTables()) {
                    // each table is a subscription on the bus: names a client picks must not grow them without end
                    throw PageException.rateLimited("this server watches too many tables; try again later");
                }
                String share = sessions.byKey(page.connectionId()).map(Connection::share).orElse(null);
                if (!introductions.take(t, share, subscribers.size())) {
                    throw PageException.rateLimited("this user's pages (or this address's guests') watch too many "
                            + "tables of their own; try again later");
                }
                set = ConcurrentHashMap.newKeySet();
                try {
                    bus.watchTable(t);
                } catch (RuntimeException e) {
                    introductions.gone(t);
                    throw e;
                }
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
                introductions.gone(t);
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

    private void hold(Connection connection, ResidentPage page) {
        pages.put(StateKeys.page(page.id()), page);
        connection.pageSet().add(page);
    }

    /**
     * Stores a page just opened before its client is told its id, with its session when that was
     * never stored (a new guest's): a kill -9 right after the answer loses neither. Both go in one
     * commit, which concurrent opens and logins share. When the store cannot be written the open
     * is answered all the same and both stay marked for the writer, as any change is (the health
     * check tells that the store is unreachable).
     */
    private void storeOpened(Connection connection, ResidentPage page) {
        if (!store.durable()) {
            return;
        }
        boolean newSession = connection.revision() == 0;
        try {
            if (newSession) {
                writer.forget(connection);
                sessions.write(connection); // batched: the page's commit makes it durable as well
                meters.stateWrites.increment();
            }
            durablePages.writeFirst(page).join();
            meters.stateWrites.increment();
        } catch (StateUnavailable | CompletionException e) {
            if (newSession) {
                writer.changed(connection);
            }
            changed(page);
        }
    }

    /** Drops a page from this process only: its saved copy stays, to be continued. */
    void evict(ResidentPage page, int socketCode, String reason) {
        leave(page);
        if (store.durable()) {
            page.closeHere(socketCode, reason);
        } else {
            page.close(socketCode, reason); // no copy of it outlives this process: it ends here
        }
    }

    /** Forgets a page that leaves this process, for good or to be continued from its saved copy. */
    private void leave(ResidentPage page) {
        if (pages.remove(StateKeys.page(page.id()), page)) {
            durablePages.left(page);
            sessions.byKey(page.connectionId()).ifPresent(connection -> {
                connection.pageSet().remove(page);
                connection.touch(System.currentTimeMillis());
            });
        }
    }

    /** Tells the other processes of a replaced session id (the bus is made after the sessions). */
    private void announceReplaced(String sessionId) {
        bus.sessionReplaced(sessionId);
    }

    /** The state writer's write of a connection (the writer is made before the sessions it writes for). */
    private void writeConnection(Connection connection) {
        sessions.write(connection);
    }

    static String newEpoch() {
        return Ids.newId().substring(0, 8);
    }
}
