package dev.resident;

import com.fasterxml.jackson.databind.JsonNode;
import dev.resident.page.DbEventHandler.RawEvent;
import dev.resident.page.Page;
import dev.resident.page.PageType;
import dev.resident.page.PageTypes;
import dev.resident.support.Browser;
import dev.resident.support.Eventually;
import dev.resident.support.SocketClient;
import dev.resident.support.TestServers;
import io.helidon.webserver.WebServerConfig;
import io.helidon.webserver.testing.junit5.ServerTest;
import io.helidon.webserver.testing.junit5.SetUpServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.URI;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Page-type hooks through the public surface: {@code onDbEvent} handles a table's dbevents on the
 * live page (changing its data, forwarding or suppressing the raw event, one at a time with its
 * calls) and {@code onClose} runs when a page is closed or expires.
 */
@ServerTest
@Timeout(60)
class PageHooksTest {
    private static final Set<String> CLOSED = ConcurrentHashMap.newKeySet();
    private static final Map<String, Hold> HOLDS = new ConcurrentHashMap<>();
    private static Resident resident;
    private final URI uri;

    PageHooksTest(URI uri) {
        this.uri = uri;
    }

    @SetUpServer
    static void setup(WebServerConfig.Builder server) {
        resident = TestServers.resident(Map.of("resident.pages.idle-ttl", "2s", "resident.sweep-interval", "100ms"),
                new PageTypes().register(StockPage.type()));
        server.update(resident::setup);
    }

    @AfterAll
    static void close() {
        resident.close();
    }

    /** A page that keeps a count of the stock changes it saw; a change marked quiet is not sent on. */
    static final class StockPage {
        private final Page page;
        private long seen;
        private boolean inCall;

        private StockPage(Page page) {
            this.page = page;
            page.data().set("stock.seen", 0);
        }

        static PageType<StockPage> type() {
            return PageType.builder("/stock", (page, params) -> new StockPage(page))
                    .method("hold", StockPage::hold)
                    .onDbEvent("stock", StockPage::onStock)
                    .onClose(stock -> CLOSED.add(stock.page.id()))
                    .build();
        }

        private RawEvent onStock(dev.resident.bus.DbEvent event) {
            seen += event.events().size();
            page.data().set("stock.seen", seen, "stock changed");
            if (inCall) {
                page.data().set("stock.overlapped", true);
            }
            return event.events().get(0).path("quiet").asBoolean() ? RawEvent.SUPPRESS : RawEvent.FORWARD;
        }

        private Object hold(dev.resident.page.Params params) throws InterruptedException {
            inCall = true;
            Hold hold = HOLDS.get(page.id());
            hold.entered.countDown();
            boolean released = hold.release.await(20, TimeUnit.SECONDS);
            inCall = false;
            return released;
        }
    }

    private record Hold(CountDownLatch entered, CountDownLatch release) {
    }

    @Test
    void theHandlerChangesDataThenTheRawEventFollows() {
        Browser browser = new Browser(uri);
        String page = browser.openPage("/stock", null).get("page_id").asText();
        SocketClient socket = browser.socket(page);
        socket.next("hello"); // attached: what came before would be only in the page's history
        assertEquals(202, publish("{\"table\":\"stock\",\"events\":[{\"action\":\"U\",\"pkey\":1}]}"));

        JsonNode data = socket.next(frame -> !frame.path("t").asText().equals("hello") && !frame.path("t").asText().equals("ping"));
        assertEquals("data", data.get("t").asText(), "the data change comes first: " + data);
        assertEquals("stock.seen", data.get("changes").get(0).get("path").asText());
        assertEquals(1, data.get("changes").get(0).get("value").asInt());
        JsonNode raw = socket.next("dbevent");
        assertEquals(data.get("seq").asLong() + 1, raw.get("seq").asLong());
        assertEquals(1, raw.get("events").get(0).get("pkey").asInt());
    }

    @Test
    void theHandlerCanKeepTheRawEventFromTheClient() {
        Browser browser = new Browser(uri);
        String page = browser.openPage("/stock", null).get("page_id").asText();
        SocketClient socket = browser.socket(page);
        socket.next("hello"); // attached: what came before would be only in the page's history
        publish("{\"table\":\"stock\",\"events\":[{\"action\":\"U\",\"pkey\":1,\"quiet\":true}]}");
        publish("{\"table\":\"stock\",\"events\":[{\"action\":\"U\",\"pkey\":2}]}");

        assertEquals(1, socket.next("data").get("changes").get(0).get("value").asInt());
        JsonNode second = socket.next(frame -> !frame.path("t").asText().equals("ping"));
        assertEquals("data", second.get("t").asText(), "no raw event for the quiet change: " + second);
        assertEquals(2, second.get("changes").get(0).get("value").asInt());
        assertEquals(2, socket.next("dbevent").get("events").get(0).get("pkey").asInt());
    }

    @Test
    void theHandlerWaitsForARunningCall() throws Exception {
        Browser browser = new Browser(uri);
        String page = browser.openPage("/stock", null).get("page_id").asText();
        SocketClient socket = browser.socket(page);
        socket.next("hello"); // attached: what came before would be only in the page's history
        Hold hold = new Hold(new CountDownLatch(1), new CountDownLatch(1));
        HOLDS.put(page, hold);
        CompletableFuture<Browser.Reply> call = CompletableFuture.supplyAsync(() -> browser.rpc(page, "hold"));
        assertTrue(hold.entered.await(10, TimeUnit.SECONDS));

        publish("{\"table\":\"stock\",\"events\":[{\"action\":\"I\",\"pkey\":3}]}");
        hold.release.countDown();
        assertEquals(200, call.get(10, TimeUnit.SECONDS).status());
        JsonNode data = socket.next("data");
        assertEquals(1, data.get("changes").size(), "the handler never ran inside the call: " + data);
        assertEquals("stock.seen", data.get("changes").get(0).get("path").asText());
    }

    @Test
    void onCloseRunsWhenThePageIsClosed() {
        Browser browser = new Browser(uri);
        String page = browser.openPage("/stock", null).get("page_id").asText();
        assertFalse(CLOSED.contains(page));
        assertEquals(204, browser.post("/_/close", "{\"page_id\":\"" + page + "\"}").status());
        Eventually.await(Duration.ofSeconds(10), "close handler ran", () -> CLOSED.contains(page));
    }

    @Test
    void onCloseRunsWhenThePageExpires() {
        Browser browser = new Browser(uri);
        String page = browser.openPage("/stock", null).get("page_id").asText();
        Eventually.await(Duration.ofSeconds(15), "close handler ran on expiry", () -> CLOSED.contains(page));
        assertTrue(resident.registry().anyPage(page).isEmpty());
    }

    private int publish(String body) {
        return new Browser(uri).send(HttpRequest.newBuilder(uri.resolve("/_/dbevent"))
                .header("Authorization", "Bearer " + TestServers.ADMIN_TOKEN)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body))).status();
    }
}
