package dev.resident;

import dev.resident.page.PageTypes;
import dev.resident.support.Browser;
import dev.resident.support.Browser.Reply;
import dev.resident.support.TestServers;
import io.helidon.webserver.WebServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.regex.Pattern;

import static dev.resident.ProtocolTest.assertError;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Deployment defaults (issue 9, finding 13): security headers on Resident's HTML with the pages'
 * own assets still served, metrics and detailed health behind the observe token while live and
 * ready stay open, and the {@code deploy/} start commands with a heap cap, exit on OOM and the options of
 * {@code deploy/java-opts}.
 */
@Timeout(60)
class DeploymentDefaultsTest extends DemoServerTest {
    DeploymentDefaultsTest(URI uri) {
        super(uri);
    }

    @Test
    void theDemoPageHasSecurityHeadersAndItsAssetsLoad() {
        Browser browser = new Browser(uri);
        Reply page = browser.get("/");
        assertEquals(200, page.status());
        assertPageHeaders(page);
        for (String asset : List.of("/demo.js", "/_/el.js", "/_/app.css", "/_/resident.js")) {
            Reply reply = browser.get(asset);
            assertEquals(200, reply.status(), asset);
            assertEquals(List.of("nosniff"), reply.headers().get("x-content-type-options"), asset);
            assertEquals(List.of("no-cache"), reply.headers().get("cache-control"), asset + ": asked again after a deploy");
            String etag = reply.headers().get("etag").get(0);
            try (dev.resident.support.LogLines helidon = dev.resident.support.LogLines.of("io.helidon")) {
                Reply unchanged = browser.send(java.net.http.HttpRequest.newBuilder(uri.resolve(asset))
                        .header("If-None-Match", etag));
                assertEquals(304, unchanged.status(), asset + ": unchanged, not sent again");
                assertEquals(List.of(etag), unchanged.headers().get("etag"), asset);
                assertEquals(List.of("no-cache"), unchanged.headers().get("cache-control"), asset + ": still cached");
                assertEquals(null, unchanged.headers().get("content-type"), asset + ": no body");
                assertEquals(List.of(), helidon.containing(""), asset + ": a revalidation logs nothing");
            }
        }
        for (String src : List.of("/demo.js", "/_/app.css")) {
            assertTrue(page.body().contains(src), "the page still refers to " + src);
        }
        assertFalse(page.body().contains("<script>"), "no inline script: the CSP would block it");
    }

    @Test
    void theAdminViewHasSecurityHeaders() {
        Browser admin = new Browser(uri);
        assertEquals(200, admin.login("alice", "alice").status());
        Reply view = admin.get("/_/admin");
        assertEquals(200, view.status());
        assertPageHeaders(view);
        assertEquals(200, admin.get("/_/admin.js").status());
        assertEquals(List.of("nosniff"), admin.get("/_/admin/state").headers().get("x-content-type-options"));
    }

    @Test
    void metricsNeedTheObserveTokenAndLiveReadyStayOpen() {
        Browser anyone = new Browser(uri);
        assertEquals(200, anyone.get("/observe/health/live").status());
        assertEquals(200, anyone.get("/observe/health/ready").status());
        for (String path : List.of("/observe/metrics", "/observe/metrics/application", "/observe/health",
                "/observe/health/", "/observe")) {
            assertError(anyone.get(path), 401, "unauthorized");
        }
        assertError(withToken(anyone, "/observe/metrics", "wrong"), 401, "unauthorized");
        Reply metrics = withToken(anyone, "/observe/metrics", TestServers.OBSERVE_TOKEN);
        assertEquals(200, metrics.status());
        assertTrue(metrics.body().contains("resident_pages"));
        assertEquals(200, withToken(anyone, "/observe/health", TestServers.OBSERVE_TOKEN).status());
    }

    @Test
    void withoutATokenMetricsAreOff() {
        Map<String, String> overrides = new HashMap<>(Map.of("resident.observe-token", "", "resident.process", "p98"));
        onAnotherServer(overrides, server -> {
            Browser anyone = new Browser(server);
            assertError(anyone.get("/observe/metrics"), 404, "not_found");
            assertError(withToken(anyone, "/observe/metrics", ""), 404, "not_found");
            assertEquals(200, anyone.get("/observe/health/ready").status());
        });
    }

    @Test
    void deployStartsTheJvmWithAHeapCapAndExitOnOutOfMemory() throws IOException {
        for (String file : List.of("deploy/supervisord.conf", "deploy/supervisord-program", "deploy/site")) {
            List<String> launches = Files.readAllLines(Path.of(file)).stream()
                    .filter(line -> JAR_OPTION.matcher(line).find() && !comment(line)).toList();
            assertFalse(launches.isEmpty(), file);
            for (String line : launches) {
                assertTrue(line.contains("-Xmx") && line.contains("-XX:+ExitOnOutOfMemoryError"), file + ": " + line);
                // the measured JVM options and the AOT cache (issue 10) come from one place
                assertTrue(line.contains("deploy/java-opts") || line.contains("${options[@]"), file + ": " + line);
            }
        }
    }

    /** java's {@code -jar}, not a script's own {@code --jar} option. */
    private static final Pattern JAR_OPTION = Pattern.compile("(?<!-)-jar ");

    /** A comment line of a shell script ({@code #}) or of supervisord's configuration ({@code ;}). */
    private static boolean comment(String line) {
        String trimmed = line.trim();
        return trimmed.startsWith("#") || trimmed.startsWith(";");
    }

    private static void assertPageHeaders(Reply reply) {
        assertEquals(List.of("nosniff"), reply.headers().get("x-content-type-options"));
        assertEquals(List.of("DENY"), reply.headers().get("x-frame-options"));
        String csp = reply.headers().get("content-security-policy").get(0);
        assertTrue(csp.contains("frame-ancestors 'none'") && csp.contains("script-src 'self'")
                && csp.contains("connect-src 'self'"), csp);
    }

    private static Reply withToken(Browser browser, String path, String token) {
        return browser.send(HttpRequest.newBuilder(browser.base().resolve(path)).header("Authorization", "Bearer " + token).GET());
    }

    private static void onAnotherServer(Map<String, String> overrides, Consumer<URI> test) {
        Resident other = TestServers.resident(overrides, new PageTypes());
        WebServer server = WebServer.builder().host("127.0.0.1").port(0).update(other::setup).build().start();
        try {
            test.accept(URI.create("http://127.0.0.1:" + server.port()));
        } finally {
            server.stop();
            other.close();
        }
    }
}
