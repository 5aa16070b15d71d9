package dev.resident.web;

import dev.resident.metrics.ResidentMeters;
import io.helidon.common.buffers.BufferData;
import io.helidon.http.HeaderNames;
import io.helidon.http.Headers;
import io.helidon.http.HttpPrologue;
import io.helidon.http.Status;
import io.helidon.metrics.api.Counter;
import io.helidon.webserver.CloseConnectionException;
import io.helidon.webserver.ConnectionContext;
import io.helidon.webserver.http1.Http1Config;
import io.helidon.webserver.http1.Http1ConnectionListener;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Slow headers (slowloris) and connection hoarding, which Helidon 4.5 has no setting for: it
 * watches every HTTP/1 connection through Helidon's connection listeners ({@link #http1()}).
 * <ul>
 * <li>A request head (request line and headers) must be complete within the header timeout from
 * its first byte; a sweep closes the socket of one that is not. An idle keep-alive connection
 * (no byte of a next request yet) is left to {@code server.idle-connection-timeout}; a request
 * body, a response being written and an upgraded WebSocket are not timed.</li>
 * <li>One client address may hold at most {@code per-address.connections} open connections (its
 * WebSockets included); a connection beyond is closed at its first bytes, unanswered. Trusted
 * proxies are exempt (they carry many clients; the balancer caps its own sources).</li>
 * </ul>
 * A connection is seen from its first bytes on; one that never sends is closed by Helidon's idle
 * timeout. The addresses tracked are bounded by {@code per-address.max-tracked}.
 */
final class ConnectionWatch implements AutoCloseable {
    private final long headTimeoutNanos;
    private final boolean perAddress;
    private final int connectionsPerAddress;
    private final int maxTracked;
    private final TrustedProxies proxies;
    private final ConcurrentHashMap<ConnectionContext, Watched> open = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, AtomicInteger> byAddress = new ConcurrentHashMap<>();
    private final Counter timedOut;
    private final Counter refused;
    private final ScheduledExecutorService sweeper;

    ConnectionWatch(AdmissionSettings settings, TrustedProxies proxies, ResidentMeters meters) {
        this.headTimeoutNanos = settings.headerTimeout().toNanos();
        this.perAddress = settings.perAddress();
        this.connectionsPerAddress = settings.connectionsPerAddress();
        this.maxTracked = settings.maxTrackedAddresses();
        this.proxies = proxies;
        this.timedOut = meters.counter("resident.header.timeouts",
                "connections closed because a request head was not complete within resident.limits.header-timeout");
        this.refused = meters.counter("resident.connections.refused",
                "TCP connections closed because their client address held resident.limits.per-address.connections");
        meters.gauge("resident.tcp.connections", "HTTP/1 connections open (seen from their first bytes)", open::size);
        this.sweeper = Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().daemon().name("connection-watch").factory());
        long period = Math.clamp(settings.headerTimeout().toMillis() / 4, 50, 1000);
        sweeper.scheduleWithFixedDelay(this::sweep, period, period, TimeUnit.MILLISECONDS);
    }

    /**
     * Helidon's HTTP/1 protocol settings with this watch listening to every connection. Named like
     * Helidon's default ({@code http_1_1}) so it replaces it rather than adding a second selector.
     */
    Http1Config http1() {
        return Http1Config.builder()
                .name("http_1_1")
                .addReceiveListener(new Received())
                .addSendListener(new Sent())
                .build();
    }

    @Override
    public void close() {
        sweeper.shutdownNow();
    }

    private Watched watched(ConnectionContext ctx) {
        Watched watched = open.get(ctx);
        return watched != null ? watched : open.computeIfAbsent(ctx, this::admit);
    }

    /** A connection's first bytes: counted against its address, or closed when that address is full. */
    private Watched admit(ConnectionContext ctx) {
        SocketAddress peer = ctx.remotePeer().address();
        if (!perAddress || proxies.trusted(TrustedProxies.address(peer))
                || !(peer instanceof InetSocketAddress inet) || inet.getAddress() == null) {
            return new Watched(null);
        }
        String address = ClientAddress.key(inet.getAddress());
        if (byAddress.size() >= maxTracked && !byAddress.containsKey(address)) {
            throw refuse(ctx, "too many client addresses");
        }
        AtomicInteger count = byAddress.computeIfAbsent(address, a -> new AtomicInteger());
        if (count.incrementAndGet() > connectionsPerAddress) {
            release(address);
            throw refuse(ctx, "too many connections from " + address);
        }
        return new Watched(address);
    }

    private CloseConnectionException refuse(ConnectionContext ctx, String why) {
        refused.increment();
        closeQuietly(ctx);
        return new CloseConnectionException(why);
    }

    private void release(String address) {
        byAddress.computeIfPresent(address, (a, count) -> count.decrementAndGet() <= 0 ? null : count);
    }

    /** Forgets closed connections and closes those whose request head is overdue. */
    private void sweep() {
        long now = System.nanoTime();
        open.forEach((ctx, watched) -> {
            if (!ctx.serverSocket().isConnected()) {
                if (open.remove(ctx, watched) && watched.address != null) {
                    release(watched.address);
                }
            } else if (watched.headOverdue(now, headTimeoutNanos)) {
                timedOut.increment();
                closeQuietly(ctx);
            }
        });
    }

    private static void closeQuietly(ConnectionContext ctx) {
        try {
            ctx.serverSocket().close();
        } catch (RuntimeException alreadyGone) {
            // the peer closed it first
        }
    }

    /** Where one connection is: between requests, reading a head, in a request, upgraded. */
    private static final class Watched {
        private static final int IDLE = 0;
        private static final int HEAD = 1;
        private static final int REQUEST = 2;
        private static final int UPGRADING = 3;
        private static final int UPGRADED = 4;
        private final String address;
        private int state = IDLE;
        private long headStarted;

        Watched(String address) {
            this.address = address;
        }

        synchronized void bytesReceived() {
            if (state == IDLE) {
                state = HEAD;
                headStarted = System.nanoTime();
            }
        }

        synchronized void headComplete(boolean upgrade) {
            if (state == IDLE || state == HEAD) {
                state = upgrade ? UPGRADING : REQUEST;
            }
        }

        synchronized void responded(Status status) {
            if (status.code() == Status.SWITCHING_PROTOCOLS_101.code()) {
                state = UPGRADED;
            } else if (status.code() >= 200 && (state == REQUEST || state == UPGRADING)) {
                state = IDLE; // a 100 Continue is not the answer: the body still comes
            }
        }

        synchronized boolean headOverdue(long now, long timeoutNanos) {
            return state == HEAD && now - headStarted > timeoutNanos;
        }
    }

    /** What the client sends: bytes start a head, the parsed headers end it. */
    private final class Received implements Http1ConnectionListener {
        @Override
        public void data(ConnectionContext ctx, BufferData data) {
            watched(ctx).bytesReceived();
        }

        @Override
        public void data(ConnectionContext ctx, byte[] bytes, int offset, int length) {
            watched(ctx).bytesReceived();
        }

        @Override
        public void prologue(ConnectionContext ctx, HttpPrologue prologue) {
            watched(ctx).bytesReceived(); // a head read whole with an earlier request's bytes
        }

        @Override
        public void headers(ConnectionContext ctx, Headers headers) {
            watched(ctx).headComplete(headers.contains(HeaderNames.UPGRADE));
        }
    }

    /** What the server answers: a final status ends the request, 101 makes it a WebSocket. */
    private final class Sent implements Http1ConnectionListener {
        @Override
        public void status(ConnectionContext ctx, Status status) {
            Watched watched = open.get(ctx);
            if (watched != null) {
                watched.responded(status);
            }
        }
    }
}
