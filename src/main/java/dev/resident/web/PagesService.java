package dev.resident.web;

import com.fasterxml.jackson.databind.JsonNode;
import dev.resident.json.Json;
import dev.resident.json.RpcBody;
import dev.resident.metrics.ResidentMeters;
import dev.resident.ops.Lifecycle;
import dev.resident.page.PageException;
import dev.resident.page.engine.Caller;
import dev.resident.page.engine.Replay;
import dev.resident.page.engine.ResidentPage;
import dev.resident.page.engine.Snapshot;
import dev.resident.registry.Connection;
import dev.resident.registry.Registry;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

import java.time.Duration;
import java.util.Optional;
import java.util.function.BooleanSupplier;

/** The page endpoints: open, rpc, long-poll and close. */
public final class PagesService implements HttpService {
    private final Registry registry;
    private final Connections connections;
    private final Lifecycle lifecycle;
    private final ResidentMeters meters;
    private final WebSettings settings;
    private final Guards guards;
    private final Bodies bodies;
    private final Replies replies;
    /** Without a request log no request gets a page note, nor the request context that would hold it. */
    private final Optional<RequestLog> requestLog;

    PagesService(Connections connections, Lifecycle lifecycle, ResidentMeters meters, WebSettings settings,
                 Guards guards, Bodies bodies, Optional<RequestLog> requestLog) {
        this.registry = connections.registry();
        this.connections = connections;
        this.lifecycle = lifecycle;
        this.meters = meters;
        this.settings = settings;
        this.guards = guards;
        this.bodies = bodies;
        this.replies = new Replies(bodies, connections);
        this.requestLog = requestLog;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.post("/pages", this::open)
                .post("/rpc", this::rpc)
                .get("/poll", this::poll)
                .get("/page", this::snapshot)
                .post("/close", this::close);
    }

    private void open(ServerRequest req, ServerResponse res) throws Exception {
        if (lifecycle.draining()) {
            throw ApiError.unavailable("server is draining").retryAfter(lifecycle.retryAfterSeconds());
        }
        try (Bodies.Body read = bodies.object(req)) {
            open(req, res, read.json());
        }
    }

    private void open(ServerRequest req, ServerResponse res, JsonNode body) throws Exception {
        String path = Responses.string(body, "path");
        String address = connections.clientAddress(req);
        Connections.Opening opening = connections.opening(req);
        guards.admission.admitPage(address, opening.found());
        Connection connection = connections.connect(req, res, opening);
        // a login or logout of the found session while its page opens: the page's code may have
        // read the new identity, so nothing of it goes back to a request that came with the old id
        BooleanSupplier sameSession = opening.mints() ? () -> true : connection.unchangedSince(opening.carried().id());
        registry.sessions().claimAddress(connection, address); // a guest's pages count against its address
        ResidentPage page;
        try {
            page = registry.openPage(connection, path, body.get("params"), () -> address);
        } catch (Exception e) {
            if (opening.mints()) {
                registry.sessions().discard(connection); // the error answer does not carry its cookie
            }
            throw sameSession.getAsBoolean() ? e : PageException.sessionChangedWhile("the page opened");
        }
        requestLog.ifPresent(log -> log.notePage(req, page.id()));
        Snapshot opened = page.snapshot(); // between calls: a dbevent handler may already change the data
        String user = connection.user();
        if (!sameSession.getAsBoolean()) {
            registry.closePage(page, 1000, "the session changed while the page opened");
            throw PageException.sessionChangedWhile("the page opened");
        }
        String reply = Json.write(Json.object()
                .put("page_id", page.id())
                .put("epoch", opened.epoch())
                .put("seq", opened.seq())
                .put("user", user)
                .set("data", opened.data()));
        res.status(Status.CREATED_201);
        try {
            replies.send(req, res, reply);
        } catch (ApiError full) {
            registry.closePage(page, 1013, "page not delivered"); // its client never learnt its id
            throw full;
        }
    }

    private void rpc(ServerRequest req, ServerResponse res) throws Exception {
        try (Bodies.Body read = bodies.call(req)) {
            rpc(req, res, read.call());
        }
    }

    private void rpc(ServerRequest req, ServerResponse res, RpcBody body) throws Exception {
        String pageId = Responses.string(body.pageId(), "page_id");
        requestLog.ifPresent(log -> log.notePage(req, pageId));
        Connections.Found found = connections.findCarried(req);
        ResidentPage page = ownedPage(req, found.connection(), pageId);
        String method = Responses.string(body.method(), "method");
        long after = after(body.after());
        BooleanSupplier sameSession = found.unchanged();
        Caller caller = new Caller(() -> connections.clientAddress(req), sameSession);
        String result = PageCalls.call(page, method, body.params(), caller, lifecycle, meters, guards.slowCalls);
        Replay replay = after < 0 ? new Replay(false, page.seq(), java.util.List.of()) : page.after(after);
        if (namesAnotherEpoch(req, page)) {
            replay = new Replay(true, page.seq(), java.util.List.of());
        }
        if (!sameSession.getAsBoolean()) {
            throw PageException.sessionChanged(); // what the page sent since is for whoever holds the session now
        }
        if (replay.resync()) {
            meters.resyncs.increment();
        }
        String moved = page.id().equals(pageId) ? "" : ",\"page_id\":" + Json.write(page.id());
        String reply = "{\"result\":" + result + ",\"seq\":" + replay.seq() + ",\"messages\":["
                + replay.joined() + "]" + moved + (replay.resync() ? ",\"resync\":true}" : "}");
        try {
            replies.send(req, res, reply);
        } catch (ApiError full) {
            // the call ran: its result goes out whatever the budget says, and the messages, which
            // the client can read again, become a resync (it reloads the page's data)
            if (replay.messages().isEmpty()) {
                Responses.json(res, reply);
                return;
            }
            meters.resyncs.increment();
            Responses.json(res, "{\"result\":" + result + ",\"seq\":" + replay.seq() + ",\"messages\":[]" + moved
                    + ",\"resync\":true}");
        }
    }

    /**
     * Whether the request's {@code epoch} (optional) is not the page's: the page was restored from
     * its snapshot since the client's last reply, its seqs started again, and only a reload of its
     * data brings the client up to date.
     */
    private static boolean namesAnotherEpoch(ServerRequest req, ResidentPage page) {
        String epoch = QueryParams.value(req, "epoch", null);
        return epoch != null && !epoch.equals(page.epoch());
    }

    private void poll(ServerRequest req, ServerResponse res) throws Exception {
        String pageId = queriedPageId(req);
        requestLog.ifPresent(log -> log.notePage(req, pageId));
        Connections.Found found = connections.findCarried(req);
        ResidentPage page = ownedPage(req, found.connection(), pageId);
        BooleanSupplier sameSession = found.unchanged();
        String afterText = QueryParams.value(req, "after", null);
        if (afterText == null) {
            throw ApiError.badRequest("after is required");
        }
        long after = parseLong(afterText, "after");
        long waitSeconds = parseLong(QueryParams.value(req, "wait", "25"), "wait");
        Duration wait = Duration.ofSeconds(Math.max(0, waitSeconds));
        if (wait.compareTo(settings.maxPollWait()) > 0) {
            wait = settings.maxPollWait();
        }
        Replay replay = namesAnotherEpoch(req, page)
                ? new Replay(true, page.seq(), java.util.List.of())
                : page.await(after, wait);
        if (page.isClosed()) {
            throw page.closedAnswer();
        }
        if (!sameSession.getAsBoolean()) {
            // a login, a logout or another identity took the session while the poll waited: what
            // came meanwhile is for whoever holds it now (the client asks again with its cookie)
            throw PageException.sessionChangedWhile("the poll waited");
        }
        String moved = page.id().equals(QueryParams.value(req, "page_id", "")) ? ""
                : ",\"page_id\":" + Json.write(page.id());
        if (replay.resync()) {
            meters.resyncs.increment();
            Responses.json(res, "{\"resync\":true,\"seq\":" + replay.seq() + ",\"epoch\":\"" + page.epoch() + "\""
                    + moved + "}");
            return;
        }
        replies.send(req, res, "{\"seq\":" + replay.seq() + ",\"messages\":[" + replay.joined() + "]"
                + moved + "}");
    }

    /** Extension: the page's current data and seq, for a client that got a resync. */
    private void snapshot(ServerRequest req, ServerResponse res) throws InterruptedException {
        String pageId = queriedPageId(req);
        requestLog.ifPresent(log -> log.notePage(req, pageId));
        Connections.Found found = connections.findCarried(req);
        ResidentPage page = ownedPage(req, found.connection(), pageId);
        BooleanSupplier sameSession = found.unchanged();
        Snapshot snapshot = page.snapshot(); // waits for a running call
        if (!sameSession.getAsBoolean()) {
            throw PageException.sessionChangedWhile("the page was read");
        }
        replies.send(req, res, Json.write(Json.object()
                .put("page_id", page.id())
                .put("epoch", snapshot.epoch())
                .put("seq", snapshot.seq())
                .put("user", page.user())
                .set("data", snapshot.data())));
    }

    private void close(ServerRequest req, ServerResponse res) {
        ResidentPage page;
        try (Bodies.Body read = bodies.beacon(req)) {
            page = pageToClose(req, Responses.string(read.json(), "page_id"));
        }
        registry.closePage(page, 1000, "page closed");
        res.status(Status.NO_CONTENT_204).send();
    }

    /**
     * Like {@link #ownedPage(ServerRequest, String)}, but a saved page continued only to be closed
     * takes no place: a client at its share must be able to close the pages it left.
     */
    private ResidentPage pageToClose(ServerRequest req, String pageId) {
        requestLog.ifPresent(log -> log.notePage(req, pageId));
        return registry.page(connections.find(req).orElse(null), pageId, () -> { })
                .orElseThrow(PageException::unknownPage);
    }

    private static String queriedPageId(ServerRequest req) {
        String pageId = QueryParams.value(req, "page_id", "");
        if (pageId.isEmpty()) {
            throw ApiError.badRequest("page_id is required");
        }
        return pageId;
    }

    /** The page if it belongs to the request's connection; 404 otherwise, whether or not it exists. */
    private ResidentPage ownedPage(ServerRequest req, String pageId) {
        requestLog.ifPresent(log -> log.notePage(req, pageId));
        return ownedPage(req, connections.find(req).orElse(null), pageId);
    }

    private ResidentPage ownedPage(ServerRequest req, Connection connection, String pageId) {
        return registry.page(connection, pageId, () -> admitContinued(req, connection))
                .orElseThrow(PageException::unknownPage);
    }

    /** A saved page continued here counts as one opened, for the address its client is at now. */
    private void admitContinued(ServerRequest req, Connection connection) {
        String address = connections.clientAddress(req);
        registry.sessions().claimAddress(connection, address);
        guards.admission.admitContinuedPage(address, connection);
    }

    /** The {@code after} of an rpc: -1 when absent. */
    private static long after(JsonNode after) {
        if (after == null || after.isNull()) {
            return -1;
        }
        if (!after.isIntegralNumber() || !after.canConvertToLong() || after.longValue() < 0) {
            throw ApiError.badRequest("after must be a non-negative integer");
        }
        return after.longValue();
    }

    private static long parseLong(String text, String name) {
        try {
            long value = Long.parseLong(text);
            if (value < 0) {
                throw ApiError.badRequest(name + " must be a non-negative integer");
            }
            return value;
        } catch (NumberFormatException e) {
            throw ApiError.badRequest(name + " must be a non-negative integer");
        }
    }
}
