package dev.resident.web;

import com.fasterxml.jackson.databind.JsonNode;
import dev.resident.json.Json;
import dev.resident.json.SocketFrame;
import dev.resident.json.Utf8;
import dev.resident.metrics.ResidentMeters;
import dev.resident.ops.Lifecycle;
import dev.resident.ops.ThrottledLog;
import dev.resident.page.PageException;
import dev.resident.page.engine.Caller;
import dev.resident.page.engine.PageMoved;
import dev.resident.page.engine.ResidentPage;
import dev.resident.registry.Connection;
import dev.resident.registry.Registry;
import dev.resident.state.StateUnavailable;
import io.helidon.common.buffers.BufferData;
import io.helidon.http.HeaderNames;
import io.helidon.http.Headers;
import io.helidon.http.HttpPrologue;
import io.helidon.websocket.WsListener;
import io.helidon.websocket.WsSession;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

/**
 * {@code GET /_/ws?page_id&after&epoch[&batch=1]}: the socket of one page. Helidon creates one listener per
 * connection and calls it on that connection's own virtual thread, so the fields need no locking;
 * rpc frames run right here, one after the other, like HTTP calls on the same page.
 */
final class PageSocket implements WsListener {
    private static final System.Logger LOGGER = System.getLogger(PageSocket.class.getName());
    /** One line a minute, however many upgrades: any client can send a foreign origin, unauthenticated. */
    private static final ThrottledLog REFUSED_ORIGINS = new ThrottledLog(LOGGER, System.Logger.Level.INFO,
            Duration.ofMinutes(1));
    /** Largest payload of a control frame (RFC 6455 §5.5). */
    private static final int MAX_CONTROL_PAYLOAD = 125;
    private final Registry registry;
    private final Connections connections;
    private final Sockets sockets;
    private final Lifecycle lifecycle;
    private final ResidentMeters meters;
    private final WebSettings settings;
    /** A fragmented message's text so far; null between messages (most arrive in one frame). */
    private StringBuilder fragments;
    /** The UTF-8 bytes of {@link #fragments}. */
    private long fragmentBytes;
    /** What {@link #fragments} holds, counted against the budget for bodies; null between messages. */
    private Bodies.Body fragmentsHeld;
    private SocketQuery query;
    private String origin;
    private String host;
    private ConnectionCookie.Carried cookie;
    private List<String> cookieHeaders;
    private ResidentPage page;
    /** Where this socket's calls come from: they run only while the session is what it was at the upgrade. */
    private Caller caller;
    private SocketChannel channel;
    /** Null when the request log is off. */
    private final RequestLog requestLog;
    /** Whether the socket's session has its line in the request log: one, however it ended. */
    private final AtomicBoolean logged = new AtomicBoolean();
    private long upgradedAt;
    private final Guards guards;
    private final Bodies bodies;
    /** The upgrade's headers, kept from the upgrade until {@link #onOpen} reads the client address. */
    private Headers upgradeHeaders;
    /** The address whose socket slot this socket holds; released once, by whichever side ends first. */
    private final AtomicReference<String> admittedAddress = new AtomicReference<>();
    /** The same, for its calls and messages: empty until the admission. */
    private volatile String addressKey = "";

    PageSocket(Connections connections, Sockets sockets, Lifecycle lifecycle, ResidentMeters meters, WebSettings settings,
               RequestLog requestLog, Guards guards, Bodies bodies) {
        this.requestLog = requestLog;
        this.registry = connections.registry();
        this.connections = connections;
        this.sockets = sockets;
        this.lifecycle = lifecycle;
        this.meters = meters;
        this.settings = settings;
        this.guards = guards;
        this.bodies = bodies;
    }

    @Override
    public Optional<Headers> onHttpUpgrade(HttpPrologue prologue, Headers headers) {
        upgradedAt = System.nanoTime();
        query = SocketQuery.parse(prologue.query().rawValue());
        cookieHeaders = headers.values(HeaderNames.COOKIE);
        cookie = ConnectionCookie.fromHeaders(cookieHeaders);
        origin = headers.first(HeaderNames.ORIGIN)
                .or(() -> headers.first(OriginDeferringUpgradeProvider.ORIGIN_COPY)).orElse(null);
        host = headers.first(HeaderNames.HOST).orElse(null);
        upgradeHeaders = headers;
        return Optional.empty();
    }

    @Override
    public void onOpen(WsSession session) {
        // the upgrade's values are needed only here: an idle socket keeps nothing of its upgrade request
        String origin = this.origin;
        String host = this.host;
        ConnectionCookie.Carried cookie = this.cookie;
        List<String> cookieHeaders = this.cookieHeaders;
        Headers upgradeHeaders = this.upgradeHeaders;
        this.origin = null;
        this.host = null;
        this.cookie = null;
        this.cookieHeaders = null;
        this.upgradeHeaders = null;
        // checked once the peer is known: behind TLS (itself or a trusted balancer) the origin must be https
        boolean https = guards.addresses.proxies().https(session.socketContext(), upgradeHeaders);
        if (!OriginCheck.allowed(origin, host, settings.allowedOrigins(), https)) {
            REFUSED_ORIGINS.log("refused origin " + LogText.clean(origin, 120) + " for host " + LogText.clean(host, 120));
            session.close(1008, "origin not allowed");
            return;
        }
        if (lifecycle.draining()) {
            session.close(1001, "server going away");
            return;
        }
        // the key of the per-address caps, as everywhere else
        String address = guards.addresses.of(session.socketContext().remotePeer().address(), upgradeHeaders);
        try {
            Connection connection = connections.find(cookie, cookieHeaders, address).orElse(null);
            page = registry.page(connection, query.pageId(), () -> {
                registry.sessions().claimAddress(connection, address);
                guards.admission.admitContinuedPage(address, connection);
            }).orElse(null);
            if (page != null) {
                caller = new Caller(this::clientKey, connection.unchangedSince(cookie.id()));
            }
        } catch (PageMoved moved) {
            session.close(4307, moved.pageId()); // the client reconnects to the page's current id
            return;
        } catch (PageException | ApiError e) {
            // state store unreachable, this process stopping, or no place for the page continued here
            session.close(1013, "try again later");
            return;
        }
        if (page == null) {
            session.close(4404, "unknown page");
            return;
        }
        try {
            guards.admission.admitSocket(address);
        } catch (ApiError refused) {
            // 1013 try again later: the client reconnects with backoff, or falls back to long-poll
            session.close(1013, refused.getMessage());
            return;
        }
        admittedAddress.set(address);
        addressKey = address;
        SocketEnds.whenEnded(session, () -> {
            release();
            logSession(1006); // a client gone without a close frame: neither onClose nor onError runs
        });
        QueuedChars.Share share = guards.queued.join(address);
        channel = new SocketChannel(session, settings, query.batch(), share, meters);
        sockets.add(channel);
        ResidentPage attached = page;
        channel.start(finished -> {
            guards.queued.leave(share);
            releaseAdmission();
            sockets.remove(finished);
            attached.detach(finished);
        });
        if (page.attach(channel, seq -> hello(attached, seq), query.after(), query.epoch())) {
            meters.resyncs.increment();
        }
        channel.recheckSession(connections.socketRecheck(cookie, cookieHeaders, address));
        if (!caller.stillEntitled().getAsBoolean()) {
            // a login or logout came while it attached: its sockets were closed before this one
            // joined, and what the page sends now is for whoever holds the session
            channel.close(1012, "the session changed; connect again");
            return;
        }
        if (lifecycle.draining()) {
            channel.close(1001, "server going away"); // the drain may have run between the check and add
        }
    }

    @Override
    public void onMessage(WsSession session, String text, boolean last) {
        if (channel == null || channel.isClosing()) {
            return;
        }
        if (last && fragments == null && (long) text.length() * Utf8.MAX_BYTES_PER_CHAR <= settings.maxMessageBytes()) {
            handle(text); // one frame that fits whatever its chars: the usual case, not counted
            return;
        }
        long bytes = (fragments == null ? 0 : fragmentBytes) + Utf8.length(text); // the limit is in bytes, as sent
        if (bytes > settings.maxMessageBytes()) {
            dropFragments();
            // resident.js sends the unanswered calls again at a 1009 with this reason only: Helidon's
            // own 1009 (a single frame past its frame limit) comes before the answers of calls that ran
            channel.close(1009, "message too big");
            return;
        }
        if (last && fragments == null) {
            handle(text); // one frame, counted
            return;
        }
        if (fragments == null) {
            fragments = new StringBuilder();
            fragmentsHeld = bodies.held(clientKey());
        }
        fragments.append(text);
        fragmentBytes = bytes;
        try {
            fragmentsHeld.hold(2L * fragments.length());
        } catch (ApiError full) {
            dropFragments();
            channel.close(1013, full.getMessage()); // the client sends it again once it reconnects
            return;
        }
        if (last) {
            String message = fragments.toString();
            dropFragments();
            handle(message);
        }
    }

    private void dropFragments() {
        fragments = null;
        if (fragmentsHeld != null) {
            fragmentsHeld.close();
            fragmentsHeld = null;
        }
    }

    /** The key of the admitted client's address: in the budget for bodies, for its calls' jobs. */
    private String clientKey() {
        return addressKey;
    }

    @Override
    public void onMessage(WsSession session, BufferData buffer, boolean last) {
        if (channel != null) {
            channel.close(1003, "text frames only");
        }
    }

    @Override
    public void onPing(WsSession session, BufferData buffer) {
        if (buffer.available() > MAX_CONTROL_PAYLOAD) {
            // RFC 6455 §5.5: a protocol error; Helidon would fail echoing it and close with 1011
            if (channel != null) {
                channel.close(1002, "control frame too long");
            } else {
                session.close(1002, "control frame too long");
            }
            return;
        }
        if (channel != null) {
            channel.pong(buffer);
        } else {
            session.pong(buffer);
        }
    }

    @Override
    public void onClose(WsSession session, int status, String reason) {
        release();
        logSession(status);
    }

    @Override
    public void onError(WsSession session, Throwable t) {
        release();
        logSession(1006);
    }

    private void logSession(int status) {
        if (requestLog != null && query != null && logged.compareAndSet(false, true)) {
            requestLog.socket(query.pageId(), status, upgradedAt);
        }
    }

    private void handle(String text) {
        SocketFrame frame;
        try {
            frame = SocketFrame.parse(text);
        } catch (Json.MalformedJsonException e) {
            channel.offer(errorFrame(null, "bad_request", "malformed JSON"));
            return;
        }
        Bodies.Body held;
        try {
            held = bodies.message(frame.tokens(), text.length(), this::clientKey);
        } catch (ApiError full) {
            // the heap for messages is taken: nothing runs (unavailable: resident.js sends it again)
            channel.offer(errorFrame(frame.replyId(), full.code(), full.getMessage()));
            return;
        }
        try (held) {
            handle(frame);
        }
    }

    private void handle(SocketFrame frame) {
        if (!frame.rpc()) {
            page.touch(); // a call touches the page itself
            return; // pong and frames of later protocol versions
        }
        if (frame.idTooLong()) {
            channel.offer(errorFrame(null, "bad_request", "id longer than " + SocketFrame.MAX_ID_CHARS
                    + " characters as JSON"));
            return;
        }
        JsonNode id = frame.id();
        if (frame.method() == null) {
            channel.offer(errorFrame(id, "bad_request", "method must be a string"));
            return;
        }
        if (!channel.beginCall()) {
            return; // the socket is closing: the call does not run, and the client may send it again
        }
        channel.cork(); // the call's data message and its result go out in one write
        try {
            String result = PageCalls.call(page, frame.method(), frame.params(), caller, lifecycle, meters,
                    guards.slowCalls);
            channel.offer("{\"t\":\"result\",\"id\":" + Json.write(id) + ",\"result\":" + result
                    + ",\"seq\":" + page.seq() + "}");
        } catch (PageException e) {
            channel.offer(errorFrame(id, e.code(), e.getMessage()));
            if (page.isClosed()) {
                boolean gone = page.closedAnswer().status() == 404;
                channel.close(gone ? 4404 : 1012, gone ? "unknown page" : "page moving");
            }
        } catch (StateUnavailable e) {
            channel.offer(errorFrame(id, "unavailable", "the state store is unreachable; try again"));
        } catch (Exception e) {
            channel.offer(errorFrame(id, "internal", Errors.logInternal(e)));
        } finally {
            channel.uncork();
            channel.endCall(); // a close that waited for this call goes now, after its answer
        }
    }

    private void release() {
        dropFragments();
        if (channel != null) {
            channel.released();
        }
        releaseAdmission();
    }

    private void releaseAdmission() {
        String address = admittedAddress.getAndSet(null);
        if (address != null) {
            guards.admission.socketClosed(address);
        }
    }

    private static String hello(ResidentPage page, long seq) {
        // answers_before_close: a call unanswered at a close other than 1013 did not run (SocketChannel)
        return Json.write(Json.object().put("t", "hello").put("page_id", page.id())
                .put("epoch", page.epoch()).put("seq", seq).put("answers_before_close", true));
    }

    private static String errorFrame(JsonNode id, String code, String message) {
        return "{\"t\":\"error\",\"id\":" + Json.write(id) + ",\"code\":\"" + code + "\",\"message\":"
                + Json.write(Errors.shown(message)) + "}";
    }
}
