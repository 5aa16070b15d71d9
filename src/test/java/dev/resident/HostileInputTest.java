package dev.resident;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.resident.bench.BenchPage;
import dev.resident.json.Json;
import dev.resident.page.PageType;
import dev.resident.page.PageTypes;
import dev.resident.support.Browser;
import dev.resident.support.Browser.Reply;
import dev.resident.support.Eventually;
import dev.resident.support.MainProcess;
import dev.resident.support.Observe;
import dev.resident.support.LogLines;
import dev.resident.support.RawHttp;
import dev.resident.support.SocketClient;
import dev.resident.support.TestServers;
import dev.resident.web.Errors;
import io.helidon.webserver.WebServer;
import io.helidon.webserver.WebServerConfig;
import io.helidon.webserver.testing.junit5.ServerTest;
import io.helidon.webserver.testing.junit5.SetUpServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;

import java.io.ByteArrayOutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.URI;
import java.net.URLEncoder;
import java.net.UnknownHostException;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.stream.IntStream;

import static dev.resident.ProtocolTest.assertError;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A hostile client against real servers over real sockets (SECURITY.md lists which threat each
 * case covers): bounded login state, rate limits and back-off, the bench page's bounds, defaults
 * without demo values, CSRF, the heartbeat contract. Servers with special limits are started
 * beside the class's own; the last case checks that a normal rpc still works after all of it.
 */
@ServerTest
@Timeout(240)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class HostileInputTest {
    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final String EVIL = "http://evil.example";
    private static final int TEXT = 1;
    private static final int CONTINUATION = 0;
    private static final List<AutoCloseable> servers = new ArrayList<>();
    private static Resident resident;
    private final URI uri;

    HostileInputTest(URI uri) {
        this.uri = uri;
    }

    @SetUpServer
    static void setup(WebServerConfig.Builder server) {
        resident = TestServers.demo(server, Map.of("resident.process", "hostile"));
    }

    @AfterAll
    static void close() throws Exception {
        for (AutoCloseable server : servers) {
            server.close();
        }
        resident.close();
    }

    // Finding 1: user names are bounded before anything is stored; guest names are never recorded

    @Test
    @Order(1)
    void hugeAndGuestUserNamesAreRefusedWithoutBeingRecorded() {
        Server server = start("names", Map.of());
        Browser browser = new Browser(server.uri());
        String huge = "x".repeat(200_000);
        for (int i = 0; i < 20; i++) {
            assertError(browser.login(huge + i, "secret"), 401, "unauthorized");
            assertError(browser.login("guest_" + i, "secret"), 401, "unauthorized");
        }
        assertError(browser.login("alice", "p".repeat(2000)), 401, "unauthorized");
        assertError(browser.login("x".repeat(129), "secret"), 401, "unauthorized");
        assertEquals(0, server.tracked(), "nothing was recorded");
        assertError(browser.login("bob", "wrong"), 401, "unauthorized");
        assertEquals(1, server.tracked(), "a real failure is");
    }

    @Test
    @Order(2)
    void theThrottleForgetsOldFailuresAndNeverGrowsPastItsBound() {
        Server server = start("bound", Map.of("resident.login.max-tracked", "3",
                "resident.login.failure-window", "1s"));
        Browser browser = new Browser(server.uri());
        for (int i = 0; i < 3; i++) {
            assertError(browser.login("user" + i, "wrong"), 401, "unauthorized");
        }
        Reply full = browser.login("user3", "wrong");
        assertError(full, 429, "rate_limited");
        assertNotNull(full.header("Retry-After"), "429 says when to come back");
        assertEquals(3, server.tracked());
        // a second later the three failures have expired and make room
        Eventually.await(WAIT, "an expired failure makes room", () -> browser.login("user3", "wrong").status() == 401);
        assertTrue(server.tracked() <= 3, "at most max-tracked pairs: " + server.tracked());
    }

    // Finding 2: /_bench (on here, off by default: see the Main cases) bounds what a page keeps

    @Test
    @Order(3)
    void benchPagesBoundTheirTablesAndData() {
        Browser browser = new Browser(uri);
        ObjectNode tooMany = Json.object();
        ArrayNode tooManyTables = tooMany.putArray("tables");
        IntStream.rangeClosed(0, BenchPage.MAX_TABLES).forEach(i -> tooManyTables.add("t" + i));
        assertError(openBench(browser, tooMany), 422, "unprocessable");
        ObjectNode longName = Json.object();
        longName.putArray("tables").add("t".repeat(BenchPage.MAX_TABLE_NAME + 1));
        assertError(openBench(browser, longName), 422, "unprocessable");
        assertError(openBench(browser, Json.object().put("data", "d".repeat(BenchPage.MAX_DATA_BYTES))),
                422, "unprocessable");

        ObjectNode largest = Json.object().put("data", "d".repeat(1000));
        ArrayNode tables = largest.putArray("tables");
        IntStream.range(0, BenchPage.MAX_TABLES)
                .forEach(i -> tables.add(("t" + i).repeat(BenchPage.MAX_TABLE_NAME).substring(0, BenchPage.MAX_TABLE_NAME)));
        assertEquals(201, openBench(browser, largest).status(), "within the bounds");
    }

    /**
     * DNS rebinding: a page on another name, re-pointed at a server bound to the loopback, would pass
     * the origin checks (they compare Origin with Host). Such a server serves only its loopback names
     * unless told others; 421 for any other, logins and socket upgrades included.
     */
    @Test
    @Order(4)
    void aServerBoundToTheLoopbackServesOnlyItsOwnNames() {
        String login = "{\"user\":\"alice\",\"password\":\"alice\"}";
        try (MainProcess main = MainProcess.start(Map.of("DEMO", "true"))) {
            String rebound = "rebind.attacker.test:" + main.uri().getPort();
            for (String request : List.of(
                    "POST /_/login HTTP/1.1\r\nHost: " + rebound + "\r\nOrigin: http://" + rebound
                            + "\r\nContent-Type: application/json\r\nContent-Length: " + login.length() + "\r\n\r\n" + login,
                    "GET /_/ws?page_id=x HTTP/1.1\r\nHost: " + rebound + "\r\nOrigin: http://" + rebound
                            + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
                            + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n")) {
                try (RawHttp client = new RawHttp(main.uri())) {
                    RawHttp.Answer answer = client.send(request).answer(Duration.ofSeconds(5));
                    assertEquals(421, answer.status(), answer.toString());
                    assertEquals("misdirected", Json.parse(answer.body()).path("error").path("code").asText());
                }
            }
            for (String host : List.of("localhost", "127.0.0.1", "LOCALHOST.")) {
                try (RawHttp client = new RawHttp(main.uri())) {
                    String request = "GET /observe/health/live HTTP/1.1\r\nHost: " + host + ":" + main.uri().getPort() + "\r\n\r\n";
                    assertEquals(200, client.send(request).answer(Duration.ofSeconds(5)).status(), host);
                }
            }
            assertEquals(200, new Browser(main.uri()).login("alice", "alice").status());
        }
        try (MainProcess main = MainProcess.start(Map.of("ALLOWED_HOSTS", "app.example"))) {
            for (Map.Entry<String, Integer> host : Map.of("app.example", 200, "localhost", 421).entrySet()) {
                try (RawHttp client = new RawHttp(main.uri())) {
                    String request = "GET /observe/health/live HTTP/1.1\r\nHost: " + host.getKey() + "\r\n\r\n";
                    assertEquals((int) host.getValue(), client.send(request).answer(Duration.ofSeconds(5)).status(), host.getKey());
                }
            }
        }
    }

    // Findings 2 and 3: Main with the packaged defaults has no demo value; demo mode says so loudly

    @Test
    @Order(4)
    void thePackagedDefaultsServeNoDemoUsersNoBenchAndNoAdminToken() {
        // a short name pins a value, as the program files deploy/supervisord-program writes do, over Helidon's mapping of another variable
        try (MainProcess main = MainProcess.start(Map.of("ADMIN_TOKEN", " ", "DEMO", "false", "RESIDENT_DEMO", "true",
                "BENCH_PAGES", "false", "RESIDENT_BENCH_PAGES", "true"))) {
            Browser browser = new Browser(main.uri());
            assertError(browser.login("alice", "alice"), 401, "unauthorized");
            assertError(browser.post("/_/pages", Json.object().put("path", "/board")), 404, "unknown_page");
            assertError(browser.post("/_/pages", Json.object().put("path", BenchPage.PATH)), 404, "unknown_page");
            for (String path : List.of("/_/dbevent", "/_/notify", "/_/broadcast")) {
                for (String token : List.of("dev-admin-token", "", " ")) {
                    assertError(admin(browser, path, token), 403, "forbidden");
                }
            }
            assertFalse(main.output().contains("NOT FOR PRODUCTION"), main.output());
            try (RawHttp old = new RawHttp(main.uri())) { // only HTTP/1.1 is served: the client's to fix
                old.send("GET /_/resident.js HTTP/1.0\r\nHost: x\r\n\r\n");
                RawHttp.Answer answer = old.answer(Duration.ofSeconds(5));
                assertEquals(505, answer.status(), answer.toString());
                assertEquals("http_version", Json.parse(answer.body()).path("error").path("code").asText(), answer.body());
            }
        }
    }

    @Test
    @Order(5)
    void demoModeIsExplicitAndWarnsAboutEveryDemoValue() {
        try (MainProcess main = MainProcess.start(Map.of("DEMO", "true", "ADMIN_TOKEN", "dev-admin-token",
                "ADDRESS_LIMITS", "false", "TRUSTED_PROXIES", "0.0.0.0/0, 10.0.0.0/8, ::/0"))) {
            String output = main.output();
            assertTrue(output.contains("NOT FOR PRODUCTION"), output);
            assertTrue(output.contains("DEMO MODE is on"), output);
            assertTrue(output.contains("the admin token (resident.admin-token / ADMIN_TOKEN) is the published value"), output);
            assertTrue(output.contains("the per-address caps are off"), output);
            assertTrue(output.contains("trusts 0.0.0.0/0") && output.contains("trusts ::/0"), output);
            assertFalse(output.contains("trusts 10.0.0.0/8"), "a balancers' network is no warning: " + output);
            Browser alice = new Browser(main.uri());
            assertEquals(200, alice.login("alice", "alice").status());
            assertEquals(201, alice.post("/_/pages", Json.object().put("path", "/board")).status());
            assertEquals(202, admin(alice, "/_/broadcast", "dev-admin-token").status(), "configured: it works, warned");
        }
    }

    // Finding 5: logins are rate-limited per client address and for everyone, and hash on a bounded queue;
    // of everyone's logins, a part is held for quiet addresses, which busy ones cannot use up

    @Test
    @Order(6)
    void loginsAreRateLimitedPerAddressAndForEveryoneWithAPartHeldForQuietAddresses() throws Exception {
        Server server = start("rate", Map.of("resident.login.per-address-per-minute", "3",
                "resident.login.global-per-minute", "5", "resident.login.quiet-addresses-per-minute", "2",
                "resident.login.quiet-address-logins", "1"));
        Browser here = new Browser(server.uri());
        for (int i = 0; i < 3; i++) {
            assertError(here.login("name" + i, "wrong"), 401, "unauthorized"); // the 3 not held for quiet addresses
        }
        Reply limited = here.login("name3", "wrong");
        assertError(limited, 429, "rate_limited");
        assertTrue(Long.parseLong(limited.header("Retry-After")) >= 1, limited.headers().toString());

        Browser elsewhere = new Browser(server.uri(), address("127.0.0.2"));
        assertError(elsewhere.login("name4", "wrong"), 401, "unauthorized"); // quiet: from the part held for it
        Reply global = elsewhere.login("name5", "wrong");
        assertError(global, 429, "rate_limited"); // no longer quiet, and the rest is used up
        assertNotNull(global.header("Retry-After"));
        assertError(new Browser(server.uri(), address("127.0.0.3")).login("name6", "wrong"), 401, "unauthorized");
        assertError(new Browser(server.uri(), address("127.0.0.4")).login("name7", "wrong"), 429, "rate_limited");
    }

    @Test
    @Order(7)
    void passwordChecksWaitInABoundedQueue() throws Exception {
        Server server = start("pending", Map.of("resident.login.max-pending", "1", "resident.cpu-threads", "1",
                "resident.limits.max-login-failures", "1000"));
        List<Reply> replies;
        try (ExecutorService clients = Executors.newVirtualThreadPerTaskExecutor()) {
            List<CompletableFuture<Reply>> logins = IntStream.range(0, 24)
                    .mapToObj(i -> CompletableFuture.supplyAsync(
                            () -> new Browser(server.uri()).login("crowd" + i, "wrong"), clients))
                    .toList();
            replies = logins.stream().map(CompletableFuture::join).toList();
        }
        long refused = replies.stream().filter(r -> r.status() == 401).count();
        List<Reply> limited = replies.stream().filter(r -> r.status() == 429).toList();
        assertEquals(24, refused + limited.size(), replies.toString());
        assertTrue(refused >= 1, "some were checked: " + replies);
        assertTrue(!limited.isEmpty(), "a full queue refuses the rest: " + replies);
        limited.forEach(r -> {
            assertEquals("rate_limited", r.errorCode());
            assertNotNull(r.header("Retry-After"));
        });
        assertEquals(200, new Browser(server.uri()).login("bob", "bob").status(), "the queue drains");
    }

    // Finding 6: failures back off per (user name, client address); nobody can lock another out

    @Test
    @Order(8)
    void failuresBackOffPerAddressWithoutLockingTheAccount() throws Exception {
        Server server = start("lockout", Map.of("resident.limits.max-login-failures", "3"));
        Browser attacker = new Browser(server.uri(), address("127.0.0.2"));
        for (int i = 0; i < 3; i++) {
            assertError(attacker.login("alice", "guess" + i), 401, "unauthorized");
        }
        Reply waiting = attacker.login("alice", "guess");
        assertError(waiting, 429, "rate_limited");
        assertEquals("1", waiting.header("Retry-After"), "the first wait is a second");

        Browser alice = new Browser(server.uri());
        assertEquals(200, alice.login("alice", "alice").status(), "alice at her own address is not locked out");

        Eventually.await(WAIT, "the wait ends", () -> attacker.login("alice", "guess").status() == 401);
        Reply longer = attacker.login("alice", "guess");
        assertError(longer, 429, "rate_limited");
        assertEquals("2", longer.header("Retry-After"), "each further failure doubles the wait");
        Eventually.await(WAIT, "a back-off, not a lock", () -> attacker.login("alice", "alice").status() == 200);
    }

    // Finding 7: CSRF

    @Test
    @Order(9)
    void jsonEndpointsTakeOnlyJson() {
        Browser browser = new Browser(uri);
        String credentials = "{\"user\":\"alice\",\"password\":\"alice\"}";
        assertError(send(browser, "/_/login", "text/plain", credentials, Map.of()), 415, "unsupported_media_type");
        assertError(send(browser, "/_/login", "application/x-www-form-urlencoded", credentials, Map.of()),
                415, "unsupported_media_type");
        assertError(send(browser, "/_/pages", "multipart/form-data; boundary=x", "{\"path\":\"/_bench\"}", Map.of()),
                415, "unsupported_media_type");
        assertError(send(browser, "/_/dbevent", "text/plain", "{}", Map.of("Authorization", "Bearer " + TestServers.ADMIN_TOKEN)),
                415, "unsupported_media_type");
        assertError(send(browser, "/_/login", null, credentials, Map.of()), 415, "unsupported_media_type");
        assertEquals(200, send(browser, "/_/login", "application/json; charset=UTF-8", credentials, Map.of()).status());
    }

    @Test
    @Order(10)
    void crossSiteRequestsAreRefusedAndTheSitesOwnAreNot() {
        Browser browser = new Browser(uri);
        String own = "http://" + uri.getAuthority();
        String credentials = "{\"user\":\"alice\",\"password\":\"alice\"}";
        for (Map<String, String> foreign : List.of(Map.of("Origin", EVIL), Map.of("Origin", "null"),
                Map.of("Origin", "http://" + uri.getHost() + ":1"), Map.of("Origin", "foo://" + uri.getAuthority()),
                Map.of("Origin", "ws://" + uri.getAuthority()), Map.of("Sec-Fetch-Site", "cross-site"),
                Map.of("Sec-Fetch-Site", "same-site"))) {
            assertError(send(browser, "/_/login", "application/json", credentials, foreign), 403, "forbidden");
            assertError(send(browser, "/_/pages", "application/json", "{\"path\":\"/_bench\"}", foreign), 403, "forbidden");
        }
        assertEquals(null, browser.connectionId(), "no refused request minted a connection");
        assertEquals(200, send(browser, "/_/login", "application/json", credentials, Map.of("Origin", own)).status());
        assertEquals(200, send(browser, "/_/login", "application/json", credentials,
                Map.of("Sec-Fetch-Site", "same-origin")).status());

        String pageId = browser.benchPage();
        String rpc = Json.write(Json.object().put("page_id", pageId).put("method", "inc"));
        assertError(send(browser, "/_/rpc", "application/json", rpc, Map.of("Origin", EVIL)), 403, "forbidden");
        assertError(send(browser, "/_/logout", null, "", Map.of("Origin", EVIL)), 403, "forbidden");
        for (String routedToTheApi : List.of("//_/logout", "/%5F/logout", "/%5f/logout", "/x/../_/logout")) {
            HttpRequest.Builder logout = HttpRequest.newBuilder(URI.create("http://" + uri.getAuthority() + routedToTheApi))
                    .POST(HttpRequest.BodyPublishers.noBody()).header("Origin", EVIL);
            assertError(browser.send(logout), 403, "forbidden");
        }
        Reply drop = browser.send(HttpRequest.newBuilder(uri.resolve("/_/admin/pages/" + pageId.replace("|", "%7C"))).DELETE()
                .header("Origin", EVIL));
        assertError(drop, 403, "forbidden");
        String beacon = "{\"page_id\":\"" + pageId + "\"}";
        assertError(send(browser, "/_/close", "text/plain;charset=UTF-8", beacon, Map.of("Origin", EVIL)), 403, "forbidden");
        assertEquals(1, browser.rpc(pageId, "inc").json().get("result").asLong(), "nothing refused reached the page");

        // what resident.js's navigator.sendBeacon sends from the site's own page
        assertEquals(204, send(browser, "/_/close", "text/plain;charset=UTF-8", beacon,
                Map.of("Origin", own, "Sec-Fetch-Site", "same-origin")).status());
        assertError(browser.rpc(pageId, "inc"), 404, "unknown_page");
    }

    // Finding 11: contract details

    @Test
    @Order(10)
    void aPageIsNotOpenedWithParamsLargerThanItMayKeep() {
        Browser browser = new Browser(uri);
        ObjectNode params = Json.object();
        params.putArray("tables");
        ArrayNode pad = params.putArray("pad"); // a key the page ignores; empty objects: the most heap per byte
        for (int i = 0; i < 8_200; i++) {
            pad.addObject();
        }
        assertError(browser.post("/_/pages", Json.object().put("path", "/_bench").set("params", params)),
                422, "unprocessable");
        for (int i = 0; i < 3_000; i++) {
            pad.remove(0);
        }
        assertEquals(201, browser.post("/_/pages", Json.object().put("path", "/_bench").set("params", params)).status(),
                "params within the bound");
    }

    /**
     * Bodies sent in part and then held (or calls queued on a busy page) cannot fill the heap: a
     * declared length allocates nothing by itself, what is read counts against the process's budget
     * for bodies, and past it a request gets 503 while small requests still pass.
     */
    @Test
    @Order(10)
    void largeBodiesHeldOpenTakeNoMoreThanTheBudgetForBodies() {
        Server server = start("bodies", Map.of("resident.limits.max-bodies-heap", Integer.toString(2 << 20)));
        Observe observe = new Observe(server.uri());
        String head = "POST /_/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                + "Content-Length: 1000000\r\n\r\n";
        byte[] part = ("{\"user\":\"" + "a".repeat(600_000)).getBytes(StandardCharsets.US_ASCII);
        try (RawHttp declaredOnly = new RawHttp(server.uri()); RawHttp first = new RawHttp(server.uri());
             RawHttp second = new RawHttp(server.uri()); RawHttp third = new RawHttp(server.uri())) {
            declaredOnly.send(head);
            first.send(head).send(part);
            Eventually.await(Duration.ofSeconds(10), "the first body's bytes counted",
                    () -> observe.metric("resident_bodies_heap", server.process()) > 0);
            second.send(head).send(part);
            Eventually.await(Duration.ofSeconds(10), "the second body's bytes counted",
                    () -> observe.metric("resident_bodies_heap", server.process()) > 1_000_000);
            double held = observe.metric("resident_bodies_heap", server.process());
            assertTrue(held <= 2 * (1_000_000 - 16 * 1024), "what is read, not what is declared: " + held);

            // a whole body this time: refused as it grows, its rest read and dropped, then answered
            third.send(head).send(new byte[1_000_000]);
            RawHttp.Answer refused = third.answer(Duration.ofSeconds(10));
            assertEquals(503, refused.status(), refused.body());
            assertTrue(refused.body().contains("\"unavailable\""), refused.body());
            assertEquals("1", refused.headers().get("retry-after"));
            assertError(new Browser(server.uri()).login("alice", "wrong"), 401, "unauthorized"); // a small body passes
        }
        Eventually.await(Duration.ofSeconds(10), "the bodies' heap given back when their connections closed",
                () -> observe.metric("resident_bodies_heap", server.process()) == 0);
    }

    /**
     * A body cut short (the client stops sending, or sends a broken chunk) is the client's doing:
     * a 400 where an answer can still reach it, never an internal error with a logged stack, which
     * anyone could repeat to flood the log.
     */
    @Test
    @Order(2)
    void aBodyCutShortIsTheClientsErrorAndLogsNothing() {
        try (LogLines errors = LogLines.of(Errors.class.getName())) {
            for (String body : List.of("Content-Length: 100\r\n\r\n{\"user\":\"al",
                    "Transfer-Encoding: chunked\r\n\r\n10\r\n{\"user\":")) {
                try (RawHttp cut = new RawHttp(uri)) {
                    cut.send("POST /_/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n" + body);
                    cut.shutdownOutput();
                    RawHttp.Answer answer = cut.answer(WAIT);
                    assertEquals(400, answer.status(), answer.body());
                    assertTrue(answer.body().contains("\"bad_request\""), answer.body());
                }
            }
            assertEquals(List.of(), errors.containing("internal error"));
        }
    }

    /**
     * A client that asks for a page's whole history (or its data) and does not read the answer
     * holds it in the heap: large replies count against the budget for bodies while they are
     * written, so stalled readers cannot add them up; past it a poll gets 503, and an rpc's result
     * still comes, its messages made a resync.
     */
    @Test
    @Order(10)
    void largeRepliesThatAClientDoesNotReadTakeNoMoreThanTheBudgetForBodies() {
        int events = 25;
        // replies larger than the kernel's send buffer (4 MB at most here): what it cannot take, the heap holds
        Server server = start("replies", Map.of("resident.limits.max-bodies-heap", Integer.toString(12 << 20),
                "resident.pages.history.max-bytes", "6000000"));
        Observe observe = new Observe(server.uri());
        Browser browser = new Browser(server.uri());
        String pageId = browser.benchPage("replies");
        ObjectNode big = Json.object().put("table", "replies");
        big.putArray("events").addObject().put("action", "U").put("pad", "x".repeat(200_000));
        for (int i = 0; i < events; i++) {
            assertEquals(200, browser.rpc(pageId, "dbevent", big, null).status());
        }
        Eventually.await(Duration.ofSeconds(10), events + " dbevents of 200 KB in the page's history",
                () -> browser.get("/_/poll?page_id=" + Browser.encode(pageId) + "&after=" + (events - 1) + "&wait=0")
                        .json().path("messages").size() == 1);
        String poll = "GET /_/poll?page_id=" + Browser.encode(pageId) + "&after=0&wait=0 HTTP/1.1\r\nHost: x\r\n"
                + "Cookie: rsd_cid=" + browser.connectionId() + "\r\n\r\n";
        try (RawHttp first = new RawHttp(server.uri(), 4096); RawHttp second = new RawHttp(server.uri(), 4096);
             RawHttp third = new RawHttp(server.uri(), 4096)) {
            first.send(poll);
            second.send(poll);
            Eventually.await(Duration.ofSeconds(10), "two unread replies of 5 MB counted",
                    () -> observe.metric("resident_bodies_heap", server.process()) > 9_000_000);
            third.send(poll);
            RawHttp.Answer refused = third.answer(Duration.ofSeconds(10));
            assertEquals(503, refused.status(), "a third is refused: " + refused.body());
            Reply call = browser.rpc(pageId, "inc", null, 0L);
            assertEquals(200, call.status(), call.body());
            assertEquals(1, call.json().get("result").asLong(), "the call ran, and its result came");
            assertTrue(call.json().get("resync").asBoolean(), "its messages became a resync: " + call.body().length());
        }
        Eventually.await(Duration.ofSeconds(10), "given back once the readers went away",
                () -> observe.metric("resident_bodies_heap", server.process()) == 0);
        assertEquals(events + 2, browser.rpc(pageId, "inc", null, 0L).json().get("messages").size(), "and replayed again");
    }

    /**
     * A page's open answer carries its data, which page code may make large: while a client that
     * does not read holds it, it counts against the budget for bodies like any large reply. An open
     * whose answer does not fit is refused, and its page is closed: its client never learnt its id.
     */
    @Test
    @Order(10)
    void largeOpenAnswersThatAClientDoesNotReadTakeNoMoreThanTheBudgetForBodies() {
        String large = "x".repeat(5_000_000); // more than the kernel's send buffer takes (4 MB at most here)
        PageTypes types = new PageTypes().register(PageType.builder("/large", (page, params) -> {
            page.data().set("text", large);
            return page;
        }).build());
        Server server = start("open-replies", Map.of("resident.limits.max-bodies-heap", Integer.toString(8 << 20)),
                types);
        Observe observe = new Observe(server.uri());
        String open = "{\"path\":\"/large\"}";
        String request = "POST /_/pages HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: "
                + open.length() + "\r\n\r\n" + open;
        try (RawHttp unread = new RawHttp(server.uri(), 4096)) {
            unread.send(request);
            Eventually.await(Duration.ofSeconds(10), "an unread open answer of 5 MB counted",
                    () -> observe.metric("resident_bodies_heap", server.process()) > 4_000_000);
            double pages = observe.metric("resident_pages", server.process());
            Reply refused = new Browser(server.uri()).post("/_/pages", Json.object().put("path", "/large"));
            assertError(refused, 503, "unavailable");
            assertEquals(pages, observe.metric("resident_pages", server.process()), "the refused open left no page");
        }
        Eventually.await(Duration.ofSeconds(10), "given back once the reader went away",
                () -> observe.metric("resident_bodies_heap", server.process()) == 0);
        assertEquals(201, new Browser(server.uri()).post("/_/pages", Json.object().put("path", "/large")).status());
    }

    @Test
    @Order(10)
    void oneClientAddressHoldsOnlyItsShareOfTheBudgetForBodies() throws Exception {
        Server server = start("address-bodies", Map.of("resident.limits.max-bodies-heap", Integer.toString(4 << 20),
                "resident.limits.per-address.enabled", "true",
                "resident.limits.per-address.bodies-heap", Integer.toString(3 << 19))); // 1.5 MiB
        Observe observe = new Observe(server.uri());
        String head = "POST /_/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                + "Content-Length: 1000000\r\n\r\n";
        byte[] part = ("{\"user\":\"" + "a".repeat(600_000)).getBytes(StandardCharsets.US_ASCII);
        try (RawHttp held = new RawHttp(server.uri()); RawHttp more = new RawHttp(server.uri());
             RawHttp elsewhere = new RawHttp(server.uri(), address("127.0.0.2"))) {
            held.send(head).send(part);
            Eventually.await(Duration.ofSeconds(10), "the first body's bytes counted",
                    () -> observe.metric("resident_bodies_heap", server.process()) > 900_000);
            more.send(head).send(new byte[1_000_000]);
            RawHttp.Answer refused = more.answer(Duration.ofSeconds(10));
            assertEquals(429, refused.status(), refused.body());
            assertTrue(refused.body().contains("\"rate_limited\""), refused.body());
            elsewhere.send(head).send(part);
            Eventually.await(Duration.ofSeconds(10), "another address's body counted beside it",
                    () -> observe.metric("resident_bodies_heap", server.process()) > 1_900_000);
        }
        Eventually.await(Duration.ofSeconds(10), "given back", () -> observe.metric("resident_bodies_heap", server.process()) == 0);
    }

    /**
     * Socket messages count against the same budget while their call runs (or waits for its page).
     * A message sent in one frame (as browsers send) past the budget is answered {@code unavailable}
     * and does not run; one sent in fragments is refused as its parts arrive, and its socket is
     * closed with 1013.
     */
    @Test
    @Order(10)
    void socketMessagesCountAgainstTheBudgetForBodiesWhileTheirCallRuns() {
        Server server = start("socket-bodies", Map.of("resident.limits.max-bodies-heap", Integer.toString(1 << 20)));
        Observe observe = new Observe(server.uri());
        Browser browser = new Browser(server.uri());
        SocketClient busy = browser.socket(browser.benchPage());
        busy.next("hello");
        String pad = "x".repeat(300_000);
        busy.send(Json.object().put("t", "rpc").put("id", 1).put("method", "work")
                .set("params", Json.object().put("io_ms", 3_000).put("pad", pad)));
        Eventually.await(Duration.ofSeconds(10), "the running call's message counted",
                () -> observe.metric("resident_bodies_heap", server.process()) > 500_000);
        try (RawHttp oneFrame = new RawHttp(server.uri())) {
            oneFrame.webSocket(socketTarget(browser.benchPage()), "rsd_cid=" + browser.connectionId());
            assertEquals("hello", Json.parse(oneFrame.readFrame(WAIT).text()).get("t").asText());
            byte[] message = Json.write(Json.object().put("t", "rpc").put("id", 2).put("method", "work")
                    .set("params", Json.object().put("io_ms", 0).put("pad", pad))).getBytes(StandardCharsets.UTF_8);
            oneFrame.send(RawHttp.frameHead(TEXT, true, message.length)).send(message);
            JsonNode refused = Json.parse(oneFrame.readFrame(WAIT).text());
            assertEquals("error", refused.get("t").asText(), refused.toString());
            assertEquals(2, refused.get("id").asInt());
            assertEquals("unavailable", refused.get("code").asText(), "not run: the client sends it again");
        }
        SocketClient fragmented = browser.socket(browser.benchPage());
        fragmented.next("hello");
        String large = Json.write(Json.object().put("t", "rpc").put("id", 3).put("method", "work")
                .set("params", Json.object().put("io_ms", 0).put("pad", pad)));
        fragmented.sendFragmentsWhileOpen(IntStream.range(0, 20)
                .mapToObj(i -> large.substring(i * large.length() / 20, (i + 1) * large.length() / 20))
                .toArray(String[]::new));
        assertEquals(1013, fragmented.closeCode(WAIT), "its parts refused as they came");
        assertEquals("result", busy.next(frame -> frame.path("id").asInt() == 1).get("t").asText());
        Eventually.await(Duration.ofSeconds(10), "given back after the call",
                () -> observe.metric("resident_bodies_heap", server.process()) == 0);
    }

    /**
     * Helidon holds a WebSocket frame until it is whole, before Resident sees it: sockets that each
     * send most of a large frame and then wait count against the budget for bodies as they send,
     * and so do the parts of a message sent in fragments. Past the budget the socket sending is
     * closed; small messages still pass, and everything is given back when the sockets close.
     */
    @Test
    @Order(10)
    void framesSentInPartCountAgainstTheBudgetForBodies() {
        Server server = start("frames", Map.of("resident.limits.max-bodies-heap", Integer.toString(3 << 20)));
        Observe observe = new Observe(server.uri());
        Browser browser = new Browser(server.uri());
        List<String> targets = IntStream.range(0, 3).mapToObj(i -> socketTarget(browser.benchPage())).toList();
        String cookie = "rsd_cid=" + browser.connectionId();
        byte[] part = "x".repeat(900_000).getBytes(StandardCharsets.US_ASCII);
        try (RawHttp partial = new RawHttp(server.uri()); RawHttp pipelined = new RawHttp(server.uri());
             RawHttp fragmented = new RawHttp(server.uri()); RawHttp refused = new RawHttp(server.uri())) {
            partial.webSocket(targets.get(0), cookie).send(RawHttp.frameHead(TEXT, true, 1_000_000)).send(part);
            Eventually.await(WAIT, "the partial frame's bytes counted",
                    () -> observe.metric("resident_bodies_heap", server.process()) > 800_000);

            // the frame's first bytes come with the upgrade request, before the server switches protocols
            byte[] upgrade = ("GET " + targets.get(1) + " HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n"
                    + "Connection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
                    + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nCookie: " + cookie + "\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII);
            ByteArrayOutputStream first = new ByteArrayOutputStream();
            first.writeBytes(upgrade);
            first.writeBytes(RawHttp.frameHead(TEXT, true, 1_000_000));
            first.writeBytes(Arrays.copyOf(part, 1_000));
            pipelined.send(first.toByteArray());
            assertEquals(101, pipelined.answer().status());
            pipelined.send(Arrays.copyOfRange(part, 1_000, part.length));
            Eventually.await(WAIT, "the pipelined frame's bytes counted",
                    () -> observe.metric("resident_bodies_heap", server.process()) > 1_600_000);

            // a message in ten 60 KB fragments, never finished: Resident holds its text (2 bytes a char)
            byte[] fragment = Arrays.copyOf(part, 60_000);
            fragmented.webSocket(targets.get(2), cookie);
            for (int i = 0; i < 10; i++) {
                fragmented.send(RawHttp.frameHead(i == 0 ? TEXT : CONTINUATION, false, fragment.length)).send(fragment);
            }
            Eventually.await(WAIT, "the fragments counted",
                    () -> observe.metric("resident_bodies_heap", server.process()) > 2_700_000);
            double held = observe.metric("resident_bodies_heap", server.process());
            assertTrue(held <= 2 * 900_000 + 2 * 600_000, "what was sent, not what was declared: " + held);

            refused.webSocket(socketTarget(browser.benchPage()), cookie);
            assertEquals(RawHttp.Frame.TEXT, refused.readFrame(WAIT).opcode(), "hello");
            refused.send(RawHttp.frameHead(TEXT, true, 1_000_000));
            try {
                refused.send(part);
            } catch (UncheckedIOException closedWhileSending) {
                // the server closed it mid-frame
            }
            assertTrue(refused.closedWithoutMore(WAIT), "closed past the budget");
            assertEquals(1, observe.metric("resident_frames_refused_total", server.process()));

            SocketClient small = browser.socket(browser.benchPage());
            small.next("hello");
            small.send(Json.object().put("t", "rpc").put("id", 1).put("method", "inc")
                    .set("params", Json.object().put("by", 1)));
            assertEquals("result", small.next(frame -> frame.path("id").asInt() == 1).get("t").asText());
        }
        Eventually.await(WAIT, "given back when the sockets closed",
                () -> observe.metric("resident_bodies_heap", server.process()) == 0);
    }

    /**
     * A client gone without a close frame (Helidon 4.5 tells the socket's listener nothing then)
     * gives back its socket at once: its slot under the socket caps, and what a message it was
     * sending in fragments held, without waiting for a heartbeat to fail.
     */
    @Test
    @Order(10)
    void aClientGoneWithoutACloseFrameGivesBackItsSocketAtOnce() {
        Server server = start("gone", Map.of("resident.ws.heartbeat", "120s"));
        Observe observe = new Observe(server.uri());
        Browser browser = new Browser(server.uri());
        String target = socketTarget(browser.benchPage());
        try (RawHttp socket = new RawHttp(server.uri())) {
            socket.webSocket(target, "rsd_cid=" + browser.connectionId());
            assertEquals(RawHttp.Frame.TEXT, socket.readFrame(WAIT).opcode(), "hello");
            byte[] fragment = "x".repeat(60_000).getBytes(StandardCharsets.US_ASCII);
            socket.send(RawHttp.frameHead(TEXT, false, fragment.length)).send(fragment);
            Eventually.await(WAIT, "the fragment counted",
                    () -> observe.metric("resident_bodies_heap", server.process()) > 100_000);
            assertEquals(1, observe.metric("resident_sockets_open", server.process()));
        }
        Eventually.await(WAIT, "the socket given back",
                () -> observe.metric("resident_sockets_open", server.process()) == 0
                        && observe.metric("resident_bodies_heap", server.process()) == 0);
    }

    @Test
    @Order(11)
    void anEmptyPasswordIsWrongNotMalformed() {
        Browser browser = new Browser(uri);
        assertError(browser.login("alice", ""), 401, "unauthorized");
        assertError(browser.login("", "alice"), 401, "unauthorized");
        assertError(browser.post("/_/login", Json.object().put("user", "alice")), 400, "bad_request");
    }

    @Test
    @Order(12)
    void noSocketIsSilentLongerThanTheHeartbeatPlusASecond() {
        // short, so that three pings come in 6 s rather than 15; the slack of a second is the same
        Duration heartbeat = Duration.ofSeconds(2);
        Server server = start("heartbeat", Map.of("resident.ws.heartbeat", heartbeat.toSeconds() + "s"));
        Browser browser = new Browser(server.uri());
        SocketClient socket = browser.socket(browser.benchPage());
        socket.next("hello");
        long last = System.nanoTime();
        for (int i = 0; i < 3; i++) {
            JsonNode frame = socket.next(heartbeat.plusSeconds(3));
            long now = System.nanoTime();
            Duration silence = Duration.ofNanos(now - last);
            assertEquals("ping", frame.get("t").asText());
            assertTrue(silence.compareTo(heartbeat.plusSeconds(1)) <= 0, "silent for " + silence);
            last = now;
        }
    }

    @Test
    @Order(13)
    void answersRepeatNoMoreOfWhatTheClientSentThanABoundedId() {
        Browser browser = new Browser(uri);
        String pageId = browser.benchPage();
        String longName = "m".repeat(200_000);
        // over HTTP: an unknown method's and an unknown page type's names come back cut
        Reply method = browser.rpc(pageId, longName);
        assertError(method, 404, "unknown_method");
        String message = method.json().path("error").path("message").asText();
        assertTrue(message.length() <= 1025 && message.endsWith("…"), "message of " + message.length());
        Reply path = browser.post("/_/pages", Json.object().put("path", "/" + longName));
        assertError(path, 404, "unknown_page");
        assertTrue(path.body().length() < 2_000, "answer of " + path.body().length() + " characters");
        // over the socket: an id longer than 128 characters runs nothing and is not sent back
        SocketClient socket = browser.socket(pageId);
        socket.next("hello");
        socket.send(Json.object().put("t", "rpc").put("id", "i".repeat(126)).put("method", "inc"));
        JsonNode longest = socket.next("result");
        assertEquals("i".repeat(126), longest.get("id").asText(), "an id of 128 characters as JSON comes back");
        socket.send(Json.object().put("t", "rpc").put("id", "i".repeat(200_000)).put("method", "inc"));
        JsonNode refused = socket.next("error");
        assertEquals("bad_request", refused.get("code").asText());
        assertTrue(refused.get("id").isNull(), "the long id is not sent back");
        ObjectNode objectId = Json.object().put("t", "rpc").put("method", "inc");
        objectId.putObject("id").put("k", "v".repeat(200));
        socket.send(objectId);
        assertTrue(socket.next("error").get("id").isNull(), "nor a long id of another type");
        socket.send(Json.object().put("t", "rpc").put("id", 7).put("method", longName));
        JsonNode unknown = socket.next("error");
        assertEquals("unknown_method", unknown.get("code").asText());
        assertEquals(7, unknown.get("id").asInt());
        assertTrue(unknown.get("message").asText().length() <= 1025, "the name cut");
        socket.send(Json.object().put("t", "rpc").put("id", 8).put("method", "inc"));
        assertEquals(2, socket.next("result").get("result").asLong(), "the refused frames ran no call");
    }

    @Test
    @Order(100)
    void aNormalRpcStillWorks() {
        Browser browser = new Browser(uri);
        assertEquals(200, browser.login("bob", "bob").status());
        String pageId = browser.benchPage("orders");
        JsonNode reply = browser.rpc(pageId, "inc", Json.object().put("by", 2), 0L).json();
        assertEquals(2, reply.path("result").asLong(), reply.toString());
        assertEquals(1, reply.get("messages").size());
        SocketClient socket = browser.socket(pageId, Map.of("after", "1"));
        socket.next("hello");
        socket.send(Json.object().put("t", "rpc").put("id", 1).put("method", "inc"));
        assertEquals(3, socket.next("result").get("result").asLong());
    }

    private static Reply openBench(Browser browser, JsonNode params) {
        return browser.post("/_/pages", Json.object().put("path", BenchPage.PATH).set("params", params));
    }

    private static Reply admin(Browser browser, String path, String token) {
        HttpRequest.Builder request = HttpRequest.newBuilder(browser.base().resolve(path))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"topic\":\"t\",\"user\":\"bob\",\"table\":\"orders\","
                        + "\"events\":[{\"action\":\"I\",\"pkey\":1}]}"));
        if (!token.isBlank()) {
            request.header("Authorization", "Bearer " + token);
        }
        return browser.send(request);
    }

    /** A POST with this content type (none when null) and extra headers. */
    private static Reply send(Browser browser, String path, String contentType, String body, Map<String, String> headers) {
        HttpRequest.Builder request = HttpRequest.newBuilder(browser.base().resolve(path))
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (contentType != null) {
            request.header("Content-Type", contentType);
        }
        headers.forEach(request::header);
        return browser.send(request);
    }

    /** The socket's request target: a page id's {@code |process} is escaped, as a browser does. */
    private static String socketTarget(String pageId) {
        return "/_/ws?page_id=" + URLEncoder.encode(pageId, StandardCharsets.UTF_8) + "&after=0";
    }

    private static InetAddress address(String ip) throws UnknownHostException {
        return InetAddress.getByName(ip);
    }

    /** A server of its own on 127.0.0.1 with these limits; demo users on, process {@code hostile-<name>}. */
    private static Server start(String name, Map<String, String> overrides) {
        return start(name, overrides, new PageTypes());
    }

    /** Like {@link #start(String, Map)}, with page types of the test's own beside the built-in ones. */
    private static Server start(String name, Map<String, String> overrides, PageTypes types) {
        Map<String, String> config = new HashMap<>(overrides);
        config.put("resident.process", "hostile-" + name);
        config.putIfAbsent("resident.login.per-address-per-minute", "10000");
        Resident server = TestServers.resident(config, types);
        WebServer web = WebServer.builder().host("127.0.0.1").port(0).update(server::setup).build().start();
        servers.add(() -> {
            web.stop();
            server.close();
        });
        return new Server("hostile-" + name, URI.create("http://127.0.0.1:" + web.port()));
    }

    private record Server(String process, URI uri) {
        /** Pairs the login throttle remembers. */
        double tracked() {
            return new Observe(uri).metric("resident_login_tracked", process);
        }
    }
}
