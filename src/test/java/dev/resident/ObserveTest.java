package dev.resident;

import dev.resident.support.Browser;
import dev.resident.support.Browser.Reply;
import dev.resident.support.Observe;
import dev.resident.support.SocketClient;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpRequest;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Health and Prometheus metrics under {@code /observe}. */
class ObserveTest extends DefaultServerTest {
    ObserveTest(URI uri) {
        super(uri);
    }

    /** Open to anyone (balancers poll it), so it tells nothing about the machine: no heap, no disk. */
    @Test
    void healthIsUpAndTellsNothingAboutTheMachine() {
        Browser browser = new Browser(uri);
        Reply live = browser.get("/observe/health/live");
        assertEquals(200, live.status());
        Reply ready = browser.get("/observe/health/ready");
        assertEquals(200, ready.status());
        for (Reply open : List.of(live, ready)) {
            assertFalse(open.body().contains("heapMemory") || open.body().contains("diskSpace"), open.body());
        }
        assertTrue(ready.body().contains("\"released\""), "Resident's own check, which operators read: " + ready.body());
    }

    @Test
    void metricsCountPagesSocketsRpcAndPushes() {
        Browser browser = new Browser(uri);
        String pageId = browser.benchPage("orders");
        SocketClient socket = browser.socket(pageId);
        socket.next("hello");
        browser.rpc(pageId, "inc");
        socket.next("data");
        Observe observe = new Observe(uri);
        assertTrue(observe.metric("resident_pages") >= 1);
        assertTrue(observe.metric("resident_connections") >= 1);
        assertTrue(observe.metric("resident_users") >= 1);
        assertEquals(1.0, observe.metric("resident_sockets_open"));
        assertTrue(observe.metric("resident_messages_pushed_total") >= 2, "hello and data");
        assertTrue(observe.metric("resident_rpc_seconds_count") >= 1);
        assertTrue(observe.text().contains("method=\"inc\""));
        assertTrue(observe.metric("resident_pages_created_total") >= 1);
    }

    @Test
    void rpcDurationsAreAPrometheusHistogramByMethod() {
        Browser browser = new Browser(uri);
        String pageId = browser.benchPage();
        browser.rpc(pageId, "echo"); // a method the other tests do not call
        Observe observe = new Observe(uri);
        double before = observe.metricTagged("resident_rpc_seconds_count", "method=\"echo\"");
        for (int i = 0; i < 5; i++) {
            browser.rpc(pageId, "echo");
        }
        String text = observe.text();
        assertTrue(text.contains("# TYPE resident_rpc_seconds histogram"), text);
        assertEquals(before + 5, observe.metricTagged("resident_rpc_seconds_count", "method=\"echo\""));
        double all = observe.metricTagged("resident_rpc_seconds_bucket", "method=\"echo\"", "le=\"+Inf\"");
        double underTenSeconds = observe.metricTagged("resident_rpc_seconds_bucket", "method=\"echo\"", "le=\"10.0\"");
        double none = observe.metricTagged("resident_rpc_seconds_bucket", "method=\"echo\"", "le=\"1.0E-4\"");
        assertEquals(before + 5, all, "+Inf counts every call");
        assertEquals(all, underTenSeconds, "an echo takes less than 10 s");
        assertTrue(none <= all);
        assertTrue(observe.metricTagged("resident_rpc_seconds_sum", "method=\"echo\"") > 0);
    }

    /** Helidon's request counter, kept without Helidon's metrics filter: refusals and 404s count too. */
    @Test
    void everyHttpRequestIsCounted() {
        Browser browser = new Browser(uri);
        Observe observe = new Observe(uri);
        double before = observe.metricTagged("requests_count_total", "scope=\"vendor\"");
        assertEquals(200, browser.get("/observe/health/live").status());
        assertEquals(404, browser.get("/no/such/path").status());
        assertEquals(405, browser.send(HttpRequest.newBuilder(uri.resolve("/"))
                .method("TRACE", HttpRequest.BodyPublishers.noBody())).status());
        // the scrape that reads it is counted too
        assertTrue(observe.metricTagged("requests_count_total", "scope=\"vendor\"") >= before + 4);
    }
}
