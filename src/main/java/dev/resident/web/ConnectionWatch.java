package dev.resident.web;

import dev.resident.metrics.ResidentMeters;
import dev.resident.ops.Timers;
import io.helidon.common.buffers.DataReader;
import io.helidon.common.config.Config;
import io.helidon.common.socket.PlainSocket;
import io.helidon.http.HeaderNames;
import io.helidon.http.HeaderValues;
import io.helidon.http.Headers;
import io.helidon.http.Status;
import io.helidon.http.WritableHeaders;
import io.helidon.metrics.api.Counter;
import io.helidon.webserver.CloseConnectionException;
import io.helidon.webserver.ConnectionContext;
import io.helidon.webserver.WebServerConfig;
import io.helidon.webserver.http1.Http1Config;
import io.helidon.webserver.http1.Http1ConnectionListener;
import io.helidon.webserver.websocket.WsConfig;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Slow headers (slowloris) and connection hoarding, which Helidon 4.5 has no setting for. Every
 * HTTP/1 connection is handed to this watch when it is accepted ({@link #install}: the server's
 * only connection selector), and its bytes, request heads and answers are seen as they pass.
 * <ul>
 * <li>A request head (request line and headers) must be complete within the header timeout: the
 * first one from the connection's accept, each later one from its first byte. A sweep closes the
 * socket of one that is not. An idle keep-alive connection (no byte of a next request yet) is left
 * to {@code server.idle-connection-timeout}; a response being written and an upgraded WebSocket
 * are not timed.</li>
 * <li>A request body must keep coming while it is read ({@link BodyDeadline}): it may take the body
 * timeout, and one second more for each {@code body-min-rate} bytes that came; the sweep closes the
 * socket of one that is slower.</li>
 * <li>A write must be taken by its client ({@link WatchedWriter}): one that none of has gone out for
 * the send timeout (a client that stopped reading an answer, or a WebSocket's frames) has its
 * socket closed by the sweep. Helidon's writes block in the socket's write, and a client that
 * reads nothing would otherwise hold the connection, its thread and what its answer holds (through
 * the legacy bridge, the spool's disk and then one of the legacy app's workers) for as long as it
 * stayed connected.</li>
 * <li>One client address may have at most {@code per-address.stalled-writes} connections whose write
 * has waited a second for its client ({@link StalledWrites}); the sweep closes those beyond, the
 * longest stalled first. Each holds its socket's kernel send buffer (up to 4 MB), so the send
 * timeout alone let one address hold the machine's TCP memory for a minute. Trusted proxies are
 * exempt.</li>
 * <li>One client address may hold at most {@code per-address.connections} open connections (its
 * WebSockets included); one beyond is closed as it is accepted, unanswered. Trusted proxies are
 * exempt (they carry many clients; the balancer caps its own sources). The addresses tracked are
 * bounded by {@code per-address.max-tracked}.</li>
 * <li>The raw bytes of a request line are kept while it is read, so a target with bytes outside
 * ASCII (which Helidon's parser replaces) reaches the legacy proxy as {@link RawTarget}.</li>
 * <li>Once a connection is a WebSocket, the bytes of the frame it is receiving count against the
 * budget for bodies ({@link Bodies}, under the client's address, each frame's first 16 KB free):
 * Helidon holds a frame until it is whole, before any listener sees it, so sockets that each send
 * most of a large frame and then wait could otherwise fill the heap. A frame past the budget, or
 * past its address's share, closes its connection.</li>
 * </ul>
 */
final class ConnectionWatch implements AutoCloseable {
    /** The connection whose requests the current thread runs (Helidon runs them on the connection's own thread). */
    private static final ThreadLocal<Watched> CURRENT = new ThreadLocal<>();
    private final long headTimeoutNanos;
    private final long bodyTimeoutNanos;
    private final long nanosPerBodyByte;
    private final long sendTimeoutNanos;
    private final boolean perAddress;
    private final int connectionsPerAddress;
    private final int stalledWritesPerAddress;
    private final int maxTracked;
    private final ClientAddress addresses;
    private final Bodies bodies;
    private final ConcurrentHashMap<Watched, ConnectionContext> open = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, AtomicInteger> byAddress = new ConcurrentHashMap<>();
    private final Counter timedOut;
    private final Counter bodiesTimedOut;
    private final Counter sendsTimedOut;
    private final Counter refused;
    private final Counter stalledCut;
    private final Counter framesRefused;
    private final Future<?> sweeper;

    /**
     * @param bodies the budget for bodies, which the frames of WebSockets count against
     * @param timers the process's timers, which run the sweep of unfinished request heads
     */
    ConnectionWatch(AdmissionSettings settings, ClientAddress addresses, Bodies bodies, ResidentMeters meters,
                    Timers timers) {
        this.headTimeoutNanos = settings.headerTimeout().toNanos();
        this.bodyTimeoutNanos = settings.bodyTimeout().toNanos();
        this.nanosPerBodyByte = Math.max(1, 1_000_000_000L / settings.bodyMinRate());
        this.sendTimeoutNanos = settings.sendTimeout().toNanos();
        this.perAddress = settings.perAddress();
        this.connectionsPerAddress = settings.connectionsPerAddress();
        this.stalledWritesPerAddress = settings.stalledWritesPerAddress();
        this.maxTracked = settings.maxTrackedAddresses();
        this.addresses = addresses;
        this.bodies = bodies;
        this.timedOut = meters.counter("resident.header.timeouts",
                "connections closed because a request head was not complete within resident.limits.header-timeout");
        this.bodiesTimedOut = meters.counter("resident.body.timeouts",
                "connections closed because a request body came slower than resident.limits.body-min-rate allows");
        this.sendsTimedOut = meters.counter("resident.send.timeouts",
                "connections closed because their client took nothing of a write for resident.limits.send-timeout");
        this.refused = meters.counter("resident.connections.refused",
                "TCP connections closed because their client address held resident.limits.per-address.connections");
        this.stalledCut = meters.counter("resident.stalled.writes.cut",
                "connections closed because more of their client address's writes than resident.limits.per-address.stalled-writes waited over a second for their clients");
        this.framesRefused = meters.counter("resident.frames.refused",
                "WebSocket connections closed because the frame they were sending passed the budget for bodies or broke the protocol");
        meters.gauge("resident.tcp.connections", "HTTP/1 connections open", open::size);
        long period = Math.clamp(settings.headerTimeout().toMillis() / 4, 50, 1000);
        this.sweeper = timers.every("connection-watch", Duration.ofMillis(period), this::sweep);
    }

    /**
     * Makes this watch the server's HTTP/1 connection selector. Helidon's protocol discovery is
     * turned off so that its own HTTP/1 selector does not exist: with two selectors Helidon reads a
     * connection's first bytes before choosing one, and a connection that never sends stays unseen
     * (not even its idle timeout applies).
     *
     * @param http1Settings the HTTP/1 settings ({@code server.protocols.http_1_1}, maybe missing); the
     *                      watch adds its listeners
     * @param websocket     the WebSocket settings ({@code server.protocols.websocket}), which discovery
     *                      would otherwise have added and which every WebSocket connection reads
     */
    void install(WebServerConfig.Builder server, Config http1Settings, WsConfig websocket) {
        // from the config node, not a built Http1Config: its listener composite is fixed when built
        Http1Config http1 = Http1Config.builder()
                .config(http1Settings)
                .addReceiveListener(new Received())
                .addSendListener(new Sent())
                .build();
        server.protocolsDiscoverServices(false);
        server.addProtocol(websocket);
        server.addConnectionSelector(new WatchedSelector(this, http1));
    }

    @Override
    public void close() {
        sweeper.cancel(false);
    }

    /** A connection just accepted: counted against its address, or closed when that address is full. */
    Watched accepted(ConnectionContext ctx) {
        String address = limitedAddress(ctx.remotePeer().address());
        if (address != null) {
            if (byAddress.size() >= maxTracked && !byAddress.containsKey(address)) {
                throw refuse(ctx, "too many client addresses");
            }
            AtomicInteger count = byAddress.computeIfAbsent(address, a -> new AtomicInteger());
            if (count.incrementAndGet() > connectionsPerAddress) {
                release(address);
                throw refuse(ctx, "too many connections from " + address);
            }
        }
        Watched watched = new Watched(address, ctx.remotePeer().address());
        open.put(watched, ctx);
        return watched;
    }

    /** The address a connection counts against, or null when it is not capped. */
    private String limitedAddress(SocketAddress peer) {
        if (!perAddress || !(peer instanceof InetSocketAddress inet) || inet.getAddress() == null
                || addresses.proxies().trusted(TrustedProxies.address(peer))) {
            return null;
        }
        return addresses.of(inet.getAddress());
    }

    private CloseConnectionException refuse(ConnectionContext ctx, String why) {
        refused.increment();
        closeQuietly(ctx);
        return new CloseConnectionException(why);
    }

    private void release(String address) {
        byAddress.computeIfPresent(address, (a, count) -> count.decrementAndGet() <= 0 ? null : count);
    }

    /**
     * Forgets closed connections, closes those whose request head, body or write is overdue, and
     * those of an address beyond its stalled writes.
     */
    private void sweep() {
        long now = System.nanoTime();
        StalledWrites<ConnectionContext> stalled = new StalledWrites<>(stalledWritesPerAddress, now);
        open.forEach((watched, ctx) -> {
            if (!ctx.serverSocket().isConnected()) {
                if (open.remove(watched, ctx) && watched.address != null) {
                    release(watched.address);
                }
            } else if (watched.headOverdue(now, headTimeoutNanos)) {
                timedOut.increment();
                closeQuietly(ctx);
            } else if (watched.cutOverdueBody(now)) {
                bodiesTimedOut.increment();
                closeQuietly(ctx);
            } else if (watched.writeOverdue(now, sendTimeoutNanos)) {
                sendsTimedOut.increment();
                cutWithReset(ctx);
            } else if (watched.address != null) {
                stalled.add(watched.address, watched.writeStarted, ctx);
            }
        });
        for (ConnectionContext ctx : stalled.beyondCap()) {
            stalledCut.increment();
            cutWithReset(ctx);
        }
    }

    /** The connection whose request the current thread runs, or null outside one. */
    static Watched current() {
        return CURRENT.get();
    }

    private static void closeQuietly(ConnectionContext ctx) {
        try {
            ctx.serverSocket().close();
        } catch (RuntimeException alreadyGone) {
            // the peer closed it first
        }
    }

    /**
     * Cuts a connection whose client stopped reading with a reset (nginx's {@code
     * reset_timedout_connection}): what its send buffer holds for that client (up to 4 MB) is given
     * back now. Closed the usual way, the kernel keeps it in an orphan for minutes, trying to
     * deliver it, so a cut freed none of it.
     */
    private static void cutWithReset(ConnectionContext ctx) {
        if (ctx.serverSocket() instanceof PlainSocket socket) { // Main's sockets (server.use-nio: false)
            try {
                socket.abort();
            } catch (RuntimeException alreadyGone) {
                // the peer closed it first
            }
        } else {
            closeQuietly(ctx);
        }
    }

    /**
     * One connection: between requests, reading a head, in a request, upgraded; its request line,
     * and once upgraded the frame it is receiving.
     */
    final class Watched {
        private static final int IDLE = 0;
        private static final int HEAD = 1;
        private static final int REQUEST = 2;
        private static final int UPGRADING = 3;
        private static final int UPGRADED = 4;
        private final String address;
        private final SocketAddress peer;
        private final RequestLine line = new RequestLine();
        private int state = HEAD; // the first head is timed from the accept
        private long headStarted = System.nanoTime();
        /** The client an upgrade request came from (a trusted proxy's forwarded one), until it is upgraded. */
        private String upgradeClient;
        /** Once upgraded: the frame being received, and what it holds in the budget for bodies. */
        private FrameProgress frames;
        private Bodies.Body framesHeld;
        /** What runs when the connection is over, once upgraded (its socket's listener). */
        private Runnable whenEnded;
        /** While a request body is read: when its reading began (0: none is read), and the bytes come since. */
        private long bodyStarted;
        private long bodyBytes;
        /** Whether the last body read was cut for coming too slowly. */
        private boolean bodyCut;
        /** Whether a request or an answer said {@code Connection: close}, and whether that answer went. */
        private boolean closeAsked;
        private boolean answered;
        /** When the write going on began (0: none), on the connection's writing thread; read by the sweep. */
        private volatile long writeStarted;

        private Watched(String address, SocketAddress peer) {
            this.address = address;
            this.peer = peer;
        }

        synchronized void received(byte[] bytes) {
            bodyBytes += bytes.length;
            if (frames != null) {
                follow(bytes);
                return;
            }
            if (state == IDLE) {
                state = HEAD;
                headStarted = System.nanoTime();
                line.restart();
            }
            if (state == HEAD) {
                line.add(bytes);
            }
        }

        synchronized void headComplete(Headers headers) {
            bodyStarted = 0; // a body left unread by the last request was drained
            answered = false;
            closeAsked |= headers.containsToken(HeaderValues.CONNECTION_CLOSE);
            if (state == IDLE || state == HEAD) {
                state = headers.contains(HeaderNames.UPGRADE) ? UPGRADING : REQUEST;
                if (state == UPGRADING) {
                    upgradeClient = addresses.of(peer, headers);
                }
            }
            if (headers instanceof WritableHeaders<?> writable) {
                writable.remove(RawTarget.HEADER); // only ever this watch's own
                line.rawTarget().ifPresent(target -> writable.set(RawTarget.HEADER, target));
            }
            line.release();
        }

        /**
         * @param reader the connection's reader: on a 101, what it holds unread came after the
         *               upgrade request, and is the start of the first frames
         */
        synchronized void responded(Status status, DataReader reader) {
            if (status.code() == Status.SWITCHING_PROTOCOLS_101.code()) {
                state = UPGRADED;
                frames = new FrameProgress();
                framesHeld = bodies.held(upgradeClient != null ? upgradeClient
                        : addresses.of(peer, WritableHeaders.create()));
                upgradeClient = null;
                int ahead = reader.available();
                if (ahead > 0) {
                    byte[] early = new byte[ahead];
                    reader.getBuffer(ahead).read(early); // a view: the reader still holds them for Helidon
                    follow(early);
                }
            } else if (status.code() >= 200 && (state == REQUEST || state == UPGRADING)) {
                // a 100 Continue is not the answer: the body still comes
                upgradeClient = null;
                answered = true;
                if (reader.available() > 0) {
                    // bytes came behind the request (pipelined): the next head has begun, and is
                    // timed from now; its request line was not seen whole, so no raw target is kept
                    state = HEAD;
                    headStarted = System.nanoTime();
                    line.release();
                } else {
                    state = IDLE;
                }
            }
        }

        /**
         * Counts the frame in progress after {@code bytes}; closes the connection past the budget,
         * or at a frame head that breaks the protocol ({@link FrameProgress.Malformed}).
         */
        private void follow(byte[] bytes) {
            try {
                framesHeld.hold(frames.follow(bytes));
            } catch (ApiError full) {
                throw refuseFrames("a WebSocket frame past the budget for bodies: " + full.getMessage());
            } catch (FrameProgress.Malformed malformed) {
                throw refuseFrames(malformed.getMessage());
            }
        }

        private CloseConnectionException refuseFrames(String why) {
            framesRefused.increment();
            ConnectionContext ctx = open.get(this);
            if (ctx != null) {
                closeQuietly(ctx);
            }
            return new CloseConnectionException(why);
        }

        /**
         * Runs {@code action} when the connection is over. Helidon 4.5 tells a WebSocket's listener
         * nothing when its client goes without a close frame (the read ends the connection).
         */
        synchronized void whenEnded(Runnable action) {
            whenEnded = action;
        }

        /** The connection is over: what its frames held is given back, and its listener told. */
        void ended() {
            Runnable action;
            synchronized (this) {
                if (framesHeld != null) {
                    framesHeld.close();
                }
                action = whenEnded;
                whenEnded = null;
            }
            if (action != null) {
                action.run();
            }
        }

        /** The answer being sent says {@code Connection: close}. */
        synchronized void answerCloses() {
            closeAsked = true;
        }

        /**
         * Whether the connection is over once what it holds is read: its request or its answer said
         * {@code Connection: close} and the answer went (Helidon 4.5 reads the next request anyway).
         */
        synchronized boolean closing() {
            return closeAsked && answered;
        }

        /** Whether it answered its last request and no byte of the next one came yet, or it is upgraded. */
        synchronized boolean betweenRequests() {
            return state == IDLE || state == UPGRADED;
        }

        synchronized boolean headOverdue(long now, long timeoutNanos) {
            return state == HEAD && now - headStarted > timeoutNanos;
        }

        /** A request body's reading begins on this connection. */
        synchronized void bodyBegins() {
            bodyStarted = System.nanoTime() | 1; // never 0, which means none
            bodyBytes = 0;
            bodyCut = false;
        }

        /**
         * The request was answered without its body being read: Helidon reads (and drops) the rest
         * before the next request, which is timed as a body is, until the next head is parsed (an
         * idle connection after it is then closed at the body's deadline, not the idle timeout).
         */
        synchronized void unreadBodyFollows() {
            bodyBegins();
        }

        /** The body was read (or its reading given up). */
        synchronized void bodyEnds() {
            bodyStarted = 0;
        }

        /** Whether a body being read is overdue; it is then cut (the caller closes the connection). */
        synchronized boolean cutOverdueBody(long now) {
            if (bodyStarted == 0 || now - bodyStarted <= bodyTimeoutNanos + bodyBytes * nanosPerBodyByte) {
                return false;
            }
            bodyStarted = 0;
            bodyCut = true;
            return true;
        }

        synchronized boolean bodyCut() {
            return bodyCut;
        }

        /** A write to the client begins ({@link WatchedWriter}): it waits until the client has room for it. */
        void writeBegins() {
            writeStarted = System.nanoTime() | 1; // never 0, which means none
        }

        void writeEnds() {
            writeStarted = 0;
        }

        /** Whether a write has waited for its client longer than {@code timeoutNanos}. */
        boolean writeOverdue(long now, long timeoutNanos) {
            long started = writeStarted;
            return started != 0 && now - started > timeoutNanos;
        }

        /** Runs the connection's requests on this thread, known to {@link #current()}. */
        void run(Handling handling) throws InterruptedException {
            CURRENT.set(this);
            try {
                handling.run();
            } finally {
                CURRENT.remove();
                ended();
            }
        }
    }

    /** Helidon's handling of a connection, which throws what its interrupt throws. */
    @FunctionalInterface
    interface Handling {
        void run() throws InterruptedException;
    }

    /** What the client sends: the parsed headers end a head. */
    private static final class Received implements Http1ConnectionListener {
        @Override
        public void headers(ConnectionContext ctx, Headers headers) {
            if (ctx instanceof WatchedContext watched) {
                watched.watched().headComplete(headers);
            }
        }
    }

    /**
     * What the server answers: a final status ends the request, 101 makes it a WebSocket, and
     * {@code Connection: close} ends the connection after it.
     */
    private static final class Sent implements Http1ConnectionListener {
        @Override
        public void status(ConnectionContext ctx, Status status) {
            if (ctx instanceof WatchedContext watched) {
                watched.watched().responded(status, watched.dataReader());
            }
        }

        @Override
        public void headers(ConnectionContext ctx, Headers headers) {
            if (ctx instanceof WatchedContext watched && headers.containsToken(HeaderValues.CONNECTION_CLOSE)) {
                watched.watched().answerCloses();
            }
        }
    }
}
