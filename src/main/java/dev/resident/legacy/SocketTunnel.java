package dev.resident.legacy;

import dev.resident.json.Utf8;
import dev.resident.ops.ThrottledLog;
import dev.resident.web.LogText;
import dev.resident.web.OriginCheck;
import dev.resident.web.OriginDeferringUpgradeProvider;
import dev.resident.web.OtherSocket;
import dev.resident.web.SocketEnds;
import io.helidon.common.buffers.BufferData;
import io.helidon.http.HeaderName;
import io.helidon.http.HeaderNames;
import io.helidon.http.Headers;
import io.helidon.http.HttpPrologue;
import io.helidon.websocket.WsListener;
import io.helidon.websocket.WsSession;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.net.URI;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One browser socket tunnelled to the legacy socket server. Helidon calls this listener on the
 * browser connection's virtual thread: each frame is handed to the legacy side and waited for
 * before the next is read, so a slow legacy app slows its browser down instead of filling a
 * buffer. The other direction is an {@link UpstreamListener}. Frames pass as they are (text,
 * binary, fragments, pings and pongs); a close on either side closes the other with the same code.
 */
final class SocketTunnel implements WsListener, OtherSocket {
    private static final System.Logger LOGGER = System.getLogger(SocketTunnel.class.getName());
    /** One line a minute each, however many sockets: a client or a legacy outage causes one per socket. */
    private static final ThrottledLog REFUSED_ORIGINS = new ThrottledLog(LOGGER, Level.INFO, Duration.ofMinutes(1));
    private static final ThrottledLog FAILURES = new ThrottledLog(LOGGER, Level.WARNING, Duration.ofMinutes(1));
    /** Bad Gateway (IANA close code registry): the legacy socket server cannot be reached or was lost. */
    static final int BAD_GATEWAY = 1014;
    /** Request headers the legacy socket server receives as the browser sent them. */
    private static final List<HeaderName> PASSED = List.of(HeaderNames.ORIGIN, HeaderNames.AUTHORIZATION,
            HeaderNames.USER_AGENT, HeaderNames.ACCEPT_LANGUAGE);
    private final LegacySockets sockets;
    private final LegacySocketSettings settings;
    private final ReentrantLock browserWrites = new ReentrantLock();
    private final AtomicBoolean closing = new AtomicBoolean();
    private final AtomicBoolean finished = new AtomicBoolean();
    private String target;
    private Headers headers;
    /** Whether the upgrade came to the admin powers' own host ({@code resident.admin.host}). */
    private boolean onAdminHost;
    /** Why the path cannot be forwarded (as the HTTP proxy refuses it), or null. */
    private String ambiguity;
    private WsSession session;
    /** Whether the browser came over HTTPS (TLS here or at a trusted balancer), known once open. */
    private boolean https;
    private volatile UpstreamSocket upstream;
    /** The client address admitted under the socket caps, until the tunnel finishes. */
    private final AtomicReference<String> admitted = new AtomicReference<>();
    private long messageBytes;

    SocketTunnel(LegacySockets sockets) {
        this.sockets = sockets;
        this.settings = sockets.settings();
    }

    @Override
    public Optional<Headers> onHttpUpgrade(HttpPrologue prologue, Headers headers) {
        String query = prologue.query().rawValue();
        this.target = prologue.uriPath().rawPath() + (query.isEmpty() ? "" : "?" + query);
        // routed by its normalized path, forwarded as written: a dot-segment would reach another endpoint
        this.ambiguity = new RequestTarget(prologue.uriPath().rawPath(), query, prologue.uriPath().path())
                .ambiguity().orElse(null);
        this.headers = headers;
        this.onAdminHost = sockets.adminHost().isFor(headers);
        return Optional.empty();
    }

    /** The browser's Origin: Helidon 4.5's upgrade sees it moved aside (web.OriginDeferringUpgradeProvider). */
    private static String origin(Headers headers) {
        return headers.first(HeaderNames.ORIGIN)
                .or(() -> headers.first(OriginDeferringUpgradeProvider.ORIGIN_COPY)).orElse(null);
    }

    @Override
    public void onOpen(WsSession session) {
        this.session = session;
        if (onAdminHost) {
            session.close(1008, "not on the admin host"); // the legacy app is never served there
            return;
        }
        https = sockets.proxies().https(session.socketContext(), headers);
        if (!OriginCheck.allowed(origin(headers), headers.first(HeaderNames.HOST).orElse(null),
                settings.allowedOrigins(), https)) {
            REFUSED_ORIGINS.log("refused origin " + LogText.clean(origin(headers), 120) + " for " + forLog());
            session.close(1008, "origin not allowed");
            return;
        }
        if (ambiguity != null) {
            session.close(1008, "path not forwarded: " + ambiguity);
            return;
        }
        if (sockets.draining()) {
            session.close(1001, "server going away");
            return;
        }
        Optional<String> address = sockets.admission().admit(session.socketContext().remotePeer().address(), headers, this);
        if (address.isEmpty()) {
            session.close(1013, "try again later"); // a socket cap: as a page socket's
            return;
        }
        admitted.set(address.get());
        SocketEnds.whenEnded(session, this::gone);
        try {
            upstream = connect(session);
        } catch (IOException | RuntimeException e) {
            FAILURES.log("legacy socket " + forLog() + " cannot be opened: " + rootMessage(e));
            release();
            session.close(BAD_GATEWAY, "legacy socket unreachable");
            return;
        }
        if (closing.get()) {
            upstream.abort(); // the legacy side closed or broke before the tunnel held it
        }
        sockets.opened(this);
        if (sockets.draining()) {
            close(1001, "server going away"); // the drain may have run between the check and opened()
        }
    }

    @Override
    public void onMessage(WsSession session, String text, boolean last) {
        if (admit(Utf8.length(text), last)) { // the limit is in bytes, as sent
            toUpstream(legacy -> legacy.sendText(text, last));
        }
    }

    @Override
    public void onMessage(WsSession session, BufferData buffer, boolean last) {
        byte[] bytes = new byte[buffer.available()];
        buffer.read(bytes);
        if (admit(bytes.length, last)) {
            toUpstream(legacy -> legacy.sendBinary(bytes, last));
        }
    }

    @Override
    public void onPing(WsSession session, BufferData buffer) {
        if (upstream != null && !closing.get()) {
            byte[] payload = bytes(buffer);
            toUpstream(legacy -> legacy.sendPing(payload));
        }
    }

    @Override
    public void onPong(WsSession session, BufferData buffer) {
        if (upstream != null && !closing.get()) {
            byte[] payload = bytes(buffer);
            toUpstream(legacy -> legacy.sendPong(payload));
        }
    }

    @Override
    public void onClose(WsSession session, int status, String reason) {
        closing.set(true);
        closeUpstream(status, reason);
        finish();
    }

    @Override
    public void onError(WsSession session, Throwable t) {
        closing.set(true);
        UpstreamSocket legacy = upstream;
        if (legacy != null) {
            legacy.abort();
        }
        finish();
    }

    /**
     * The browser's connection ended. If nothing closed the tunnel first, it went without a close
     * frame; if something did (a message too big, the legacy side's close) and the browser went
     * without answering, Helidon calls neither {@code onClose} nor {@code onError} either: the
     * tunnel ends here in both cases, or it would stay counted under the socket caps for good.
     */
    private void gone() {
        onError(session, null);
    }

    /**
     * Closes both sides with {@code code}, without blocking the caller (a browser that reads
     * nothing cannot hold up a drain).
     */
    void close(int code, String reason) {
        if (!closing.compareAndSet(false, true)) {
            return;
        }
        Thread.ofVirtual().name("legacy-socket-close").start(() -> {
            closeUpstream(code, reason);
            toBrowser(() -> session.close(code, reason));
        });
        // a browser that does not answer the close is cut after the close timeout
        CompletableFuture.delayedExecutor(settings.closeTimeout().toMillis(), TimeUnit.MILLISECONDS).execute(() -> {
            if (!finished.get()) {
                // not under the write lock: a write blocked by that browser is what this ends
                Thread.ofVirtual().name("legacy-socket-cut").start(() -> {
                    try {
                        session.terminate();
                    } catch (RuntimeException e) {
                        LOGGER.log(Level.DEBUG, "cutting the browser's socket failed: " + e);
                    }
                });
            }
        });
    }

    @Override
    public boolean isClosing() {
        return closing.get();
    }

    /** Another client's socket takes this one's place in a full process: both sides close with {@code code}. */
    @Override
    public void giveWay(int code, String reason) {
        close(code, reason);
    }

    /**
     * The legacy side closed with {@code code}: the browser gets the same code, and the legacy side its reply.
     * A close frame without a code (1005: Tornado's {@code close()}, gnrasync's) is a clean close, 1000 on the
     * wire; only a connection lost without a close frame (1006) is a bad gateway.
     */
    void closedByUpstream(int code, String reason) {
        if (code == 1005) {
            close(1000, "");
            return;
        }
        int sendable = CloseCodes.onTheWire(code) ? code : BAD_GATEWAY;
        close(sendable, sendable == code ? reason : "legacy socket lost");
    }

    /** Cuts the legacy side when a write to it has waited longer than {@code legacy.timeout}. */
    void abortIfStuck(long now) {
        UpstreamSocket legacy = upstream;
        if (legacy != null) {
            legacy.abortIfStuck(now);
        }
    }

    /** Runs a write to the browser; one at a time, as Helidon's session wants them. */
    void toBrowser(Runnable write) {
        browserWrites.lock();
        try {
            write.run();
        } catch (RuntimeException e) {
            // the browser is gone; its onClose or onError finishes the tunnel
            LOGGER.log(Level.DEBUG, "write to browser failed: " + e);
        } finally {
            browserWrites.unlock();
        }
    }

    WsSession session() {
        return session;
    }

    /** Counts a browser message against the limit; over it, both sides close with 1009. */
    private boolean admit(long bytes, boolean last) {
        if (upstream == null || closing.get()) {
            return false;
        }
        messageBytes += bytes;
        if (messageBytes > settings.maxMessageBytes()) {
            close(1009, "message too big");
            return false;
        }
        if (last) {
            messageBytes = 0;
        }
        return true;
    }

    private UpstreamSocket connect(WsSession session) throws IOException {
        Map<String, String> upstreamHeaders = new LinkedHashMap<>();
        for (HeaderName name : PASSED) {
            headers.first(name).ifPresent(value -> upstreamHeaders.put(name.defaultCase(), value));
        }
        if (headers.first(HeaderNames.ORIGIN).isEmpty() && origin(headers) != null) {
            upstreamHeaders.put("Origin", origin(headers));
        }
        // the header values as sent: values() would split them at commas, which cookie values may hold
        SessionCookie.strip(headers.all(HeaderNames.COOKIE, List::of)).ifPresent(cookie -> upstreamHeaders.put("Cookie", cookie));
        upstreamHeaders.put("X-Forwarded-For", sockets.proxies().forwardedFor(
                session.socketContext().remotePeer().address(), headers));
        // the scheme the browser used, as the HTTP proxy says it (a trusted balancer's TLS included)
        upstreamHeaders.put("X-Forwarded-Proto", https ? "https" : "http");
        headers.first(HeaderNames.HOST).ifPresent(host -> upstreamHeaders.put("X-Forwarded-Host", host));
        URI base = settings.upstream();
        URI uri = URI.create("ws://" + base.getRawAuthority() + target);
        return UpstreamSocket.open(uri, upstreamHeaders, settings.connectTimeout(), settings.sendTimeout(),
                new UpstreamListener(this));
    }

    /** One write to the legacy side: waited for; a legacy side that takes nothing in time is dropped. */
    private void toUpstream(UpstreamWrite write) {
        try {
            write.to(upstream);
        } catch (IOException e) {
            FAILURES.log("legacy socket " + forLog() + " failed: " + rootMessage(e));
            upstream.abort();
            close(BAD_GATEWAY, "legacy socket lost");
        }
    }

    /** A write to the legacy side. */
    @FunctionalInterface
    private interface UpstreamWrite {
        void to(UpstreamSocket legacy) throws IOException;
    }

    private void closeUpstream(int code, String reason) {
        UpstreamSocket legacy = upstream;
        if (legacy == null || legacy.isOutputClosed()) {
            return;
        }
        int sent = CloseCodes.fromClient(code);
        legacy.sendClose(sent, sent == code || code == 1009 ? CloseCodes.reason(reason) : "");
        // the legacy side has a while to answer the close; then the connection is cut
        CompletableFuture.delayedExecutor(settings.closeTimeout().toMillis(), TimeUnit.MILLISECONDS)
                .execute(legacy::abort);
    }

    private void finish() {
        if (finished.compareAndSet(false, true)) {
            release();
            sockets.closed(this);
        }
    }

    private void release() {
        String address = admitted.getAndSet(null);
        if (address != null) {
            sockets.admission().release(address, this);
        }
    }

    private static byte[] bytes(BufferData buffer) {
        byte[] bytes = new byte[buffer.available()];
        buffer.read(bytes);
        return bytes;
    }

    /** The target for a log line: its path, cut, without the query, which may carry a token. */
    private String forLog() {
        int query = target.indexOf('?');
        return LogText.clean(query < 0 ? target : target.substring(0, query), 120);
    }

    private static String rootMessage(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null) {
            root = root.getCause();
        }
        return root.getClass().getSimpleName() + (root.getMessage() == null ? "" : ": " + root.getMessage());
    }
}
