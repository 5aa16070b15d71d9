package dev.resident.load.floor;

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
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The protocol floor (see the package): {@code POST /_/pages} opens a page, {@code POST /_/rpc}
 * runs {@code inc} on it, {@code /_/ws?page_id} is its socket. Same Helidon defaults as the
 * ceiling. Port from {@code PORT}.
 */
public final class FloorServer {
    private static final io.helidon.http.Header JSON = HeaderValues.create(HeaderNames.CONTENT_TYPE, "application/json");
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final Map<String, FloorPage> PAGES = new ConcurrentHashMap<>();

    private FloorServer() {
    }

    public static void main(String[] args) {
        WebServer server = WebServer.builder()
                .host("127.0.0.1")
                .port(Integer.parseInt(System.getenv().getOrDefault("PORT", "8080")))
                .routing(FloorServer::routing)
                .addRouting(WsRouting.builder().endpoint("/_/ws", () -> new FloorSocket(PAGES, MAPPER)))
                .build()
                .start();
        System.out.println("floor on http://127.0.0.1:" + server.port());
    }

    static void routing(HttpRouting.Builder routing) {
        routing.post("/_/pages", FloorServer::open)
                .post("/_/rpc", FloorServer::rpc);
    }

    private static void open(ServerRequest req, ServerResponse res) throws IOException {
        readBody(req);
        String id = UUID.randomUUID().toString();
        PAGES.put(id, new FloorPage());
        res.status(Status.CREATED_201).header(JSON).header(HeaderNames.SET_COOKIE, "rsd_cid=floor; Path=/")
                .send("{\"page_id\":\"" + id + "\",\"epoch\":\"e\",\"seq\":0,\"user\":\"guest\",\"data\":{}}");
    }

    private static void rpc(ServerRequest req, ServerResponse res) throws IOException {
        JsonNode body = readBody(req);
        FloorPage page = PAGES.get(body.path("page_id").asText());
        if (page == null || !"inc".equals(body.path("method").asText())) {
            res.status(Status.NOT_FOUND_404).header(JSON).send("{\"error\":\"unknown page\"}");
            return;
        }
        FloorPage.Call call = page.inc(body.path("params").path("by").asLong(1));
        res.header(JSON).send("{\"result\":" + call.result() + ",\"seq\":" + call.seq() + ",\"messages\":[]}");
    }

    private static JsonNode readBody(ServerRequest req) throws IOException {
        try (InputStream in = req.content().inputStream()) {
            return MAPPER.readTree(in);
        }
    }
}
