package dev.resident.registry;

import com.fasterxml.jackson.databind.JsonNode;
import dev.resident.bus.Bus;
import dev.resident.bus.BusListener;
import dev.resident.id.Ids;
import dev.resident.metrics.ResidentMeters;
import dev.resident.page.CpuPool;
import dev.resident.page.JobSubmitter;
import dev.resident.page.PageException;
import dev.resident.page.PageHost;
import dev.resident.page.PageType;
import dev.resident.page.PageTypes;
import dev.resident.page.ResidentPage;
import dev.resident.page.Store;

import java.util.Collection;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * The in-process registers of the legacy daemon: global store, users, connections and pages,
 * with page → connection → user ownership, the table → pages subscription index and expiry.
 */
public final class Registry implements PageHost, AutoCloseable {
    private final RegistrySettings settings;
    private final PageTypes types;
    private final ResidentMeters meters;
    private final Store global = new Store();
    private final ConcurrentHashMap<String, Connection> connections = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, ResidentPage> pages = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, UserEntry> users = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, Set<ResidentPage>> subscribers = new ConcurrentHashMap<>();
    private final ScheduledExecutorService sweeper;
    private final CpuPool cpu;
    private final Bus bus;
    private volatile JobSubmitter jobs = JobSubmitter.NONE;

    /**
     * @param busFactory creates the bus that delivers to this registry's pages
     */
    public Registry(RegistrySettings settings, PageTypes types, ResidentMeters meters,
                    Function<BusListener, Bus> busFactory) {
        this.settings = settings;
        this.types = types;
        this.meters = meters;
        this.bus = busFactory.apply(new Fanout(this, meters));
        this.cpu = new CpuPool(settings.cpuThreads(), 10_000);
        this.sweeper = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().daemon().name("resident-sweeper").factory());
        long every = settings.sweepInterval().toMillis();
        sweeper.scheduleWithFixedDelay(() -> sweep(System.currentTimeMillis()), every, every, TimeUnit.MILLISECONDS);
        meters.gauge("resident.pages", "resident pages", pages::size);
        meters.gauge("resident.connections", "connections", connections::size);
        meters.gauge("resident.users", "users with a connection", users::size);
    }

    /** The connection named by the cookie, or a new one when the cookie is absent or unknown. */
    public Connection connect(String cookieId) {
        Connection known = find(cookieId).orElse(null);
        if (known != null) {
            return known;
        }
        Connection created = new Connection(Ids.newId());
        connections.put(created.id(), created);
        join(created.user(), created);
        return created;
    }

    /** The connection named by the cookie, touched, if it exists. */
    public Optional<Connection> find(String cookieId) {
        if (!Ids.isWellFormed(cookieId)) {
            return Optional.empty();
        }
        Connection connection = connections.get(cookieId);
        if (connection != null) {
            connection.touch();
        }
        return Optional.ofNullable(connection);
    }

    /**
     * Opens a page of the type registered at {@code path} for {@code connection}.
     *
     * @throws PageException 404 for an unknown path, 429 {@code too_many_pages}, or what the open hook throws
     */
    public ResidentPage openPage(Connection connection, String path, JsonNode params) throws Exception {
        PageType<?> type = types.find(path)
                .orElseThrow(() -> new PageException(404, "unknown_page", "no page type at " + path));
        if (connection.pageSet().size() >= settings.maxPagesPerConnection()) {
            throw new PageException(429, "too_many_pages", "this connection has too many pages");
        }
        String epoch = Ids.newId().substring(0, 8);
        ResidentPage page = ResidentPage.open(Ids.newPageId(settings.process()), connection.id(), type, params,
                this, settings.pages(), epoch);
        pages.put(page.id(), page);
        connection.pageSet().add(page);
        meters.pagesCreated.increment();
        return page;
    }

    /** The page if it exists and belongs to {@code connection}; another connection's page does not exist. */
    public Optional<ResidentPage> page(Connection connection, String pageId) {
        if (connection == null || pageId == null) {
            return Optional.empty();
        }
        ResidentPage page = pages.get(pageId);
        return page != null && page.connectionId().equals(connection.id()) ? Optional.of(page) : Optional.empty();
    }

    /** Drops a page: its socket is closed with {@code socketCode}. */
    public void closePage(ResidentPage page, int socketCode, String reason) {
        if (pages.remove(page.id(), page)) {
            Connection connection = connections.get(page.connectionId());
            if (connection != null) {
                connection.pageSet().remove(page);
                connection.touch();
            }
        }
        page.close(socketCode, reason);
    }

    /** Makes the connection act as {@code identity} (its pages follow it). */
    public void login(Connection connection, Identity identity) {
        moveTo(connection, identity);
    }

    /** The connection becomes a guest again. */
    public void logout(Connection connection) {
        moveTo(connection, Identity.guest(connection.id()));
    }

    /** Drops expired pages, then connections left without pages past their ttl. */
    public void sweep(long now) {
        for (ResidentPage page : pages.values()) {
            if (page.expired(now)) {
                closePage(page, 1000, "expired");
                meters.pagesExpired.increment();
            }
        }
        for (Connection connection : connections.values()) {
            long ttl = (connection.identity().guest() ? settings.guestTtl() : settings.userTtl()).toMillis();
            if (connection.pageSet().isEmpty() && now - connection.lastSeen() > ttl) {
                drop(connection);
                meters.connectionsExpired.increment();
            }
        }
    }

    public Collection<ResidentPage> pages() {
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

    public Optional<ResidentPage> anyPage(String pageId) {
        return Optional.ofNullable(pages.get(pageId));
    }

    @Override
    public String userOf(String connectionId) {
        Connection connection = connections.get(connectionId);
        return connection == null ? Ids.guestUser(connectionId) : connection.user();
    }

    @Override
    public Store userStore(String connectionId) {
        return userEntry(userOf(connectionId)).store();
    }

    @Override
    public Store connectionStore(String connectionId) {
        Connection connection = connections.get(connectionId);
        return connection == null ? new Store() : connection.store();
    }

    @Override
    public Store globalStore() {
        return global;
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

    /** Stops the sweeper and the bus; pages stay as they are (a drain closes sockets first). */
    @Override
    public void close() {
        sweeper.shutdownNow();
        cpu.close();
        bus.close();
    }

    /** Forgets a connection that was minted for a request that then failed, so it leaves nothing behind. */
    public void discard(Connection connection) {
        if (connection.pageSet().isEmpty()) {
            drop(connection);
        }
    }

    private void drop(Connection connection) {
        if (connections.remove(connection.id(), connection)) {
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

    private UserEntry userEntry(String user) {
        return users.computeIfAbsent(user, UserEntry::new);
    }

    private void forget(String user, Connection connection) {
        users.computeIfPresent(user, (u, entry) -> {
            entry.connections().remove(connection);
            return entry.connections().isEmpty() ? null : entry;
        });
    }
}
