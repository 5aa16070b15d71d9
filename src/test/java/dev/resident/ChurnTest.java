package dev.resident;

import dev.resident.json.Json;
import dev.resident.registry.Registry;
import io.helidon.http.HeaderNames;
import io.helidon.http.HttpMediaTypes;
import io.helidon.webclient.api.ClientResponseTyped;
import io.helidon.webclient.api.WebClient;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Many page lifetimes leave nothing behind in the registries. The clients are Helidon's WebClient,
 * not the JDK's {@code HttpClient} of {@code Browser}: at this rate of requests on one kept-alive
 * connection the JDK's client (25.0.3) sometimes handed an answer to its idle-pool watcher, which
 * closed the connection under the next request ("HTTP/1.1 header parser received no bytes",
 * "connection closed locally": the race of JDK-8338569, fixed in JDK 24, seen once more on 25.0.3
 * in a CI run), a failure of the client, not of the server.
 */
class ChurnTest extends DefaultServerTest {
    private static final int CLIENTS = 8;
    private static final int CYCLES = 10_000;
    private static final String BENCH_PAGE = "{\"path\":\"/_bench\",\"params\":{\"tables\":[\"orders\",\"customers\"]}}";
    ChurnTest(URI uri) {
        super(uri);
    }

    @Test
    void tenThousandCreateCloseCyclesLeaveTheRegistriesEmpty() throws Exception {
        try (ExecutorService clients = Executors.newVirtualThreadPerTaskExecutor()) {
            var runs = IntStream.range(0, CLIENTS).mapToObj(i -> clients.submit(() -> {
                WebClient client = WebClient.builder().baseUri(uri).build();
                String session = null;
                for (int cycle = 0; cycle < CYCLES / CLIENTS; cycle++) {
                    ClientResponseTyped<String> opened = post(client, "/_/pages", session, BENCH_PAGE);
                    assertEquals(201, opened.status().code(), opened.entity());
                    if (session == null) { // the session cookie the first answer set: one connection each
                        session = opened.headers().first(HeaderNames.SET_COOKIE).orElseThrow().split(";", 2)[0];
                    }
                    String pageId = Json.parse(opened.entity()).get("page_id").asText();
                    ClientResponseTyped<String> closed = post(client, "/_/close", session,
                            "{\"page_id\":\"" + pageId + "\"}");
                    assertEquals(204, closed.status().code());
                }
                return null;
            })).toList();
            for (Future<?> run : runs) {
                run.get();
            }
        }
        Registry registry = resident.registry();
        assertTrue(registry.pages().isEmpty(), registry.pages().size() + " pages left");
        assertTrue(registry.subscribers("orders").isEmpty());
        assertTrue(registry.subscribers("customers").isEmpty());
        assertEquals(CLIENTS, registry.sessions().connections().size());
        registry.sessions().connections().forEach(c -> assertTrue(c.pages().isEmpty()));
        assertEquals(CLIENTS, registry.sessions().users().size(), "one guest user per connection");
    }

    private static ClientResponseTyped<String> post(WebClient client, String path, String session, String json) {
        var request = client.post(path).contentType(HttpMediaTypes.JSON_UTF_8);
        if (session != null) {
            request.header(HeaderNames.COOKIE, session);
        }
        return request.submit(json, String.class);
    }
}
