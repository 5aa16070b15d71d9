package dev.resident.web;

import dev.resident.metrics.ResidentMeters;
import dev.resident.registry.Connection;
import dev.resident.registry.LiveShares;
import dev.resident.registry.Registry;
import io.helidon.metrics.api.Counter;

import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;

/**
 * Who may take more: checked before a connection is created, a page opened or a socket
 * accepted. Process-wide caps answer 503 {@code unavailable}, per-client-address caps 429
 * {@code rate_limited}, both with {@code Retry-After}. Counts of the whole process are read
 * from the registry and the socket set; per-address counts live here in maps bounded by
 * {@link AdmissionSettings#maxTrackedAddresses()}: when full, an address that is not tracked
 * yet is refused rather than grow the heap.
 */
public final class Admission {
    private static final long MINUTE_NANOS = 60_000_000_000L;
    private static final long LARGEST_HOLDER_TTL_NANOS = 100_000_000L;
    private final AdmissionSettings settings;
    private final Registry registry;
    private final Sockets sockets;
    private final Counter refused;
    private final ConcurrentHashMap<String, Window> windows = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, AtomicInteger> openSockets = new ConcurrentHashMap<>();
    /** When idle guests last gave way to new pages, and to new connections (millis). */
    private final AtomicLong pageRoomMadeAt = new AtomicLong();
    private final AtomicLong connectionRoomMadeAt = new AtomicLong();
    /** Sockets admitted that are not pages' (legacy tunnels): the process cap counts them too. */
    private final AtomicInteger otherSockets = new AtomicInteger();
    private final Counter socketsGivenWay;
    /** The address that held the most sockets when last looked for; null before. */
    private volatile LargestHolder largestHolder;

    Admission(AdmissionSettings settings, Registry registry, Sockets sockets, ResidentMeters meters) {
        this.settings = settings;
        this.registry = registry;
        this.sockets = sockets;
        this.refused = meters.counter("resident.admission.refused", "requests refused by a process or per-address cap");
        this.socketsGivenWay = meters.counter("resident.sockets.given.way",
                "sockets closed (1013) in a full process for a client address that held fewer");
    }

    /**
     * Before a page is opened by {@code address} on {@code known}, the connection its cookie names,
     * or on a new one when there is none.
     *
     * @throws ApiError 503 or 429
     */
    void admitPage(String address, Optional<Connection> known) {
        admitPageToProcess();
        if (known.isEmpty()) {
            admitConnection(address);
        }
        if (!settings.perAddress()) {
            return;
        }
        if (!window(address).take(false, settings.newPagesPerMinute())) {
            throw refuse(new ApiError(429, "rate_limited", "too many pages opened from this address").retryAfter(60));
        }
        if (known.isEmpty() && !registry.shares().takeGuestConnection(address, settings.guestConnectionsPerAddress())) {
            throw refuse(new ApiError(429, "rate_limited", "too many guest sessions from this address").retryAfter(60));
        }
        takeSharePlace(address, known.orElse(null));
    }

    /**
     * Before a saved page of {@code connection} (whose client is at {@code address}) is continued in
     * this process, after a restart, a drain or its process's death: it takes a place as a page
     * opened does, so pages brought back cannot take a client past its share or the process past
     * its cap. Refused, its saved copy stays.
     *
     * @throws ApiError 503 or 429
     */
    void admitContinuedPage(String address, Connection connection) {
        admitPageToProcess();
        if (settings.perAddress()) {
            takeSharePlace(address, connection);
        }
    }

    private void admitPageToProcess() {
        if (registry.pages().size() >= settings.maxPages() && !madeRoom(pageRoomMadeAt,
                (now, idle, most) -> registry.evictIdleGuestPages(now, idle, most), settings.maxPages(),
                () -> registry.pages().size() < settings.maxPages())) {
            throw refuse(ApiError.unavailable("too many pages on this server").retryAfter(5));
        }
    }

    /** A place for one more page in the share of {@code known} (null: a guest's new connection from {@code address}). */
    private void takeSharePlace(String address, Connection known) {
        String share = known == null ? null : known.share();
        boolean user = known != null && !known.identity().guest();
        if (!registry.shares().takePage(share != null ? share : LiveShares.ofAddress(address),
                user ? settings.pagesPerUser() : settings.guestPagesPerAddress())) {
            throw refuse(new ApiError(429, "too_many_pages", user ? "this user has too many pages open"
                    : "the guests of this address have too many pages open").retryAfter(60));
        }
    }

    /** Before a connection (cookie) is created for {@code address}, e.g. at login. */
    void admitConnection(String address) {
        if (registry.sessions().connections().size() >= settings.maxConnections() && !madeRoom(connectionRoomMadeAt,
                (now, idle, most) -> registry.sessions().dropIdleGuests(now, idle, most), settings.maxConnections(),
                () -> registry.sessions().connections().size() < settings.maxConnections())) {
            throw refuse(ApiError.unavailable("too many connections on this server").retryAfter(5));
        }
        if (settings.perAddress() && !window(address).take(true, settings.newConnectionsPerMinute())) {
            throw refuse(new ApiError(429, "rate_limited", "too many new connections from this address").retryAfter(60));
        }
    }

    /**
     * Before a socket of {@code address} is accepted; on success the caller must {@link #socketClosed}.
     *
     * @throws ApiError 503 or 429
     */
    void admitSocket(String address) {
        if (settings.perAddress()) {
            admitForAddress(address); // first: a socket its address may not open takes no one's place
        }
        if (sockets.count() + otherSockets.get() >= settings.maxSockets() && !tookFromLargestHolder(address)) {
            socketClosed(address);
            throw refuse(ApiError.unavailable("too many sockets on this server").retryAfter(5));
        }
    }

    /** Counts the socket under its address; throws when the address may not open one more. */
    private void admitForAddress(String address) {
        if (openSockets.size() >= settings.maxTrackedAddresses() && !openSockets.containsKey(address)) {
            throw refuse(ApiError.unavailable("too many client addresses").retryAfter(5));
        }
        AtomicInteger open = openSockets.computeIfAbsent(address, a -> new AtomicInteger());
        if (open.incrementAndGet() > settings.socketsPerAddress()) {
            socketClosed(address);
            throw refuse(new ApiError(429, "rate_limited", "too many sockets from this address").retryAfter(5));
        }
    }

    /**
     * In a process full of sockets, a socket of an address that holds at least two fewer than the
     * address that holds the most takes one of that address's place: one of its sockets is closed
     * with 1013, and its client comes back later (or polls). So a few addresses at their
     * {@code per-address.sockets} cannot keep every other client's socket out: the sockets end up
     * shared as evenly as the clients ask for them. Per-address limits on only.
     */
    private boolean tookFromLargestHolder(String address) {
        if (!settings.perAddress()) {
            return false;
        }
        AtomicInteger held = openSockets.get(address);
        int mine = held == null ? 0 : held.get(); // this socket counted in already
        Map.Entry<String, AtomicInteger> largest = largestHolder();
        if (largest == null || largest.getValue().get() <= mine
                || !sockets.closeOneOf(largest.getKey(), 1013, "try again later: sockets shared with other clients")) {
            return false;
        }
        socketsGivenWay.increment();
        return true;
    }

    /** The address that holds the most sockets: looked for at most every 100 ms, its count read live. */
    private Map.Entry<String, AtomicInteger> largestHolder() {
        long now = System.nanoTime();
        LargestHolder known = largestHolder;
        if (known != null && now - known.foundAt() < LARGEST_HOLDER_TTL_NANOS && known.holder().getValue().get() > 0) {
            return known.holder();
        }
        Map.Entry<String, AtomicInteger> largest = null;
        for (Map.Entry<String, AtomicInteger> entry : openSockets.entrySet()) {
            if (largest == null || entry.getValue().get() > largest.getValue().get()) {
                largest = entry;
            }
        }
        largestHolder = largest == null ? null : new LargestHolder(largest, now);
        return largest;
    }

    private record LargestHolder(Map.Entry<String, AtomicInteger> holder, long foundAt) {
    }

    /**
     * Like {@link #admitSocket} for a socket that is not a page's, which may then give way to
     * another client's as a page socket does; give it back with {@link #otherSocketClosed}. Each
     * opens a connection to the legacy app's socket server, so its opening counts against the
     * address's {@code new-pages-per-minute}, as a page's does (one client opened 531 a second).
     */
    void admitOtherSocket(String address, OtherSocket socket) {
        if (settings.perAddress() && !window(address).take(false, settings.newPagesPerMinute())) {
            throw refuse(new ApiError(429, "rate_limited", "too many new sockets from this address").retryAfter(60));
        }
        admitSocket(address);
        otherSockets.incrementAndGet();
        sockets.addOther(address, socket);
    }

    void otherSocketClosed(String address, OtherSocket socket) {
        sockets.removeOther(address, socket);
        otherSockets.decrementAndGet();
        socketClosed(address);
    }

    /** A socket admitted for {@code address} is gone. */
    void socketClosed(String address) {
        if (!settings.perAddress()) {
            return;
        }
        openSockets.computeIfPresent(address, (a, open) -> open.decrementAndGet() <= 0 ? null : open);
    }

    /**
     * In a full process, guests' idle pages or sessions give way to new ones: at most once a second,
     * up to 1% of the cap of those idle for {@code guests-give-way-after}, least recently used first.
     *
     * @return whether there is room now
     */
    private boolean madeRoom(AtomicLong lastMade, RoomMaker maker, int cap, BooleanSupplier roomNow) {
        long idle = settings.guestsGiveWayAfter().toMillis();
        long now = System.currentTimeMillis();
        long last = lastMade.get();
        if (idle > 0 && now - last >= 1000 && lastMade.compareAndSet(last, now)) {
            maker.make(now, idle, Math.max(1, cap / 100));
        }
        return roomNow.getAsBoolean();
    }

    /** Frees places of idle guests: at most {@code most}, idle at least {@code idleMillis}. */
    @FunctionalInterface
    private interface RoomMaker {
        int make(long now, long idleMillis, int most);
    }

    private Window window(String address) {
        Window window = windows.get(address);
        if (window != null) {
            return window;
        }
        if (windows.size() >= settings.maxTrackedAddresses()) {
            long now = System.nanoTime();
            windows.values().removeIf(w -> w.expired(now));
            if (windows.size() >= settings.maxTrackedAddresses()) {
                throw refuse(ApiError.unavailable("too many client addresses").retryAfter(5));
            }
        }
        return windows.computeIfAbsent(address, a -> new Window());
    }

    private ApiError refuse(ApiError error) {
        refused.increment();
        return error;
    }

    /** New connections and pages of one address in the current minute. */
    private static final class Window {
        private long start = System.nanoTime();
        private int connections;
        private int pages;

        synchronized boolean take(boolean connection, int limit) {
            long now = System.nanoTime();
            if (now - start >= MINUTE_NANOS) {
                start = now;
                connections = 0;
                pages = 0;
            }
            int taken = connection ? ++connections : ++pages;
            return taken <= limit;
        }

        synchronized boolean expired(long now) {
            return now - start >= MINUTE_NANOS;
        }
    }
}
