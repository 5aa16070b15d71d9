package dev.resident.load.ceiling;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.helidon.http.HeaderNames;
import io.helidon.http.HeaderValues;
import io.helidon.http.Status;
import io.helidon.webserver.WebServer;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import io.helidon.webserver.websocket.WsRouting;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

/**
 * A trivial Helidon SE server with Resident's defaults: {@code POST /_/pages} and
 * {@code POST /_/rpc} read the body and answer constant JSON; {@code /_/ws} answers each frame
 * with a constant result. No page, no JSON parsing: only what any handler pays. {@code POST
 * /_/dbevent} is the bare write loop of fanout: it wraps the body's {@code table} and
 * {@code events} in one dbevent frame and sends that text to every open socket in turn, in the
 * request's thread, before it answers 202. Port from {@code PORT}. With {@code NATS_URL} set, the
 * dbevent also goes to every other ceiling on that NATS, which sends it to its own sockets in the
 * same bare loop on the client's dispatcher thread: the bare cross-process hop that
 * {@code bench/fanout-nats --ceiling} measures Resident's against.
 */
public final class CeilingServer {
    private static final io.helidon.http.Header JSON = HeaderValues.create(HeaderNames.CONTENT_TYPE, "application/json");
    private static final byte[] OPENED = bytes("{\"page_id\":\"ceiling\",\"epoch\":\"e\",\"seq\":0,\"user\":\"guest\",\"data\":{}}");
    private static final byte[] RESULT = bytes("{\"result\":1,\"seq\":1,\"messages\":[]}");

    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final CeilingSockets SOCKETS = new CeilingSockets();
    private static CeilingRelay relay;

    private CeilingServer() {
    }

    public static void main(String[] args) throws Exception {
        String nats = System.getenv("NATS_URL");
        if (nats != null && !nats.isEmpty()) {
            relay = CeilingRelay.connect(nats, SOCKETS);
        }
        WebServer server = WebServer.builder()
                .host("127.0.0.1")
                .port(Integer.parseInt(System.getenv().getOrDefault("PORT", "8080")))
                .routing(CeilingServer::routing)
                .addRouting(WsRouting.builder().endpoint("/_/ws", () -> new CeilingSocket(SOCKETS)))
                .build()
                .start();
        System.out.println("ceiling on http://127.0.0.1:" + server.port());
    }

    static void routing(HttpRouting.Builder routing) {
        routing.post("/_/pages", CeilingServer::open)
                .post("/_/rpc", CeilingServer::rpc)
                .post("/_/dbevent", CeilingServer::dbevent);
    }

    private static void open(ServerRequest req, ServerResponse res) throws IOException {
        readBody(req);
        res.status(Status.CREATED_201).header(JSON).header(HeaderNames.SET_COOKIE, "rsd_cid=ceiling; Path=/").send(OPENED);
    }

    private static void rpc(ServerRequest req, ServerResponse res) throws IOException {
        readBody(req);
        res.header(JSON).send(RESULT);
    }

    private static void dbevent(ServerRequest req, ServerResponse res) throws IOException {
        JsonNode body;
        try (InputStream in = req.content().inputStream()) {
            body = MAPPER.readTree(in);
        }
        String table = body.path("table").toString();
        String events = body.path("events").toString();
        if (relay != null) {
            relay.publish(table, events); // first, as Resident's bus does: the other process starts sooner
        }
        SOCKETS.sendToAll(seq -> CeilingRelay.frame(seq, table, events));
        res.status(Status.ACCEPTED_202).header(JSON).send(bytes("{}"));
    }

    /**
     * Reads the body into a small buffer and drops it. Not {@code readAllBytes}: that allocates
     * and zeroes 16 KB per call, which Resident stopped doing in its fifth session (bench/README).
     */
    private static void readBody(ServerRequest req) throws IOException {
        byte[] sink = new byte[256];
        try (InputStream in = req.content().inputStream()) {
            while (in.read(sink) >= 0) {
                // dropped
            }
        }
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
