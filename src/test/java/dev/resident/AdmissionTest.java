package dev.resident;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.resident.json.Json;
import dev.resident.page.PageTypes;
import dev.resident.support.Browser;
import dev.resident.support.Browser.Reply;
import dev.resident.support.Eventually;
import dev.resident.support.LogLines;
import dev.resident.support.Observe;
import dev.resident.support.SocketClient;
import dev.resident.support.TestServers;
import io.helidon.webserver.WebServer;
import io.helidon.webserver.WebServerConfig;
import io.helidon.webserver.testing.junit5.ServerTest;
import io.helidon.webserver.testing.junit5.SetUpServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.URI;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

import static dev.resident.ProtocolTest.assertError;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Overload caps (issue 9, finding 12): per client address (the test client claims different
 * addresses through {@code X-Forwarded-For}, believed because 127.0.0.1 is a trusted proxy here)
 * and for the whole process, each answered 429/503 with {@code Retry-After} in JSON; the
 * slow-call watchdog; {@code Secure} cookies behind a TLS-terminating balancer. A login that mints a
 * connection passes the same caps as a page open that does.
 */
@ServerTest
@Timeout(60)
class AdmissionTest {
    private static Resident resident;
    private final URI uri;

    AdmissionTest(URI uri) {
        this.uri = uri;
    }

    @SetUpServer
    static void setup(WebServerConfig.Builder server) {
        resident = TestServers.setup(server, Map.of(
                "resident.trusted-proxies", "127.0.0.1, 10.0.0.0/8",
                "resident.limits.per-address.enabled", "true",
                "resident.limits.per-address.new-connections-per-minute", "3",
                "resident.limits.per-address.new-pages-per-minute", "5",
                "resident.limits.per-address.sockets", "2",
                "resident.limits.slow-call", "300ms"));
    }

    @AfterAll
    static void close() {
        resident.close();
    }

    @Test
    void newConnectionsPerAddressAreCapped() {
        for (int i = 0; i < 3; i++) {
            assertEquals(201, open(new Browser(uri), "203.0.113.1").status());
        }
        Reply refused = open(new Browser(uri), "203.0.113.1");
        assertError(refused, 429, "rate_limited");
        assertEquals(List.of("60"), refused.headers().get("retry-after"));
        assertEquals(201, open(new Browser(uri), "203.0.113.2").status(), "another address is not affected");
        assertTrue(new Observe(uri).metric("resident_admission_refused_total") >= 1);
    }

    @Test
    void aLoginThatMintsAConnectionCountsAsANewConnection() {
        assertEquals(201, open(new Browser(uri), "203.0.113.6").status());
        assertEquals(200, login(new Browser(uri), "203.0.113.6").status());
        assertEquals(200, login(new Browser(uri), "203.0.113.6").status());
        Reply refused = login(new Browser(uri), "203.0.113.6");
        assertError(refused, 429, "rate_limited");
        assertEquals(List.of("60"), refused.headers().get("retry-after"));
        assertError(open(new Browser(uri), "203.0.113.6"), 429, "rate_limited");
        assertEquals(200, login(new Browser(uri), "203.0.113.7").status(), "another address is not affected");
    }

    @Test
    void aLoginIntoAFullProcessIsRefusedUnlessItReplacesItsOwnConnection() {
        onAnotherServer(Map.of("resident.limits.max-connections", "1"), server -> {
            Browser holder = new Browser(server);
            holder.benchPage();
            Reply full = new Browser(server).login("bob", "bob");
            assertError(full, 503, "unavailable");
            assertEquals(List.of("5"), full.headers().get("retry-after"));
            assertEquals(200, holder.login("bob", "bob").status(), "its own connection is replaced, not added");
            assertEquals(201, holder.post("/_/pages", "{\"path\":\"/_bench\"}").status(), "the new session works");
        });
    }

    @Test
    void newPagesPerAddressAreCapped() {
        Browser browser = new Browser(uri);
        for (int i = 0; i < 5; i++) {
            assertEquals(201, open(browser, "203.0.113.3").status());
        }
        assertError(open(browser, "203.0.113.3"), 429, "rate_limited");
    }

    @Test
    void aProxyChainCountsTheClientNotTheProxy() {
        // 10.1.2.3 is a trusted proxy: the client is the rightmost untrusted hop
        for (int i = 0; i < 3; i++) {
            assertEquals(201, open(new Browser(uri), "203.0.113.4, 10.1.2.3").status());
        }
        assertError(open(new Browser(uri), "203.0.113.4"), 429, "rate_limited");
        assertEquals(201, open(new Browser(uri), "198.51.100.9, 203.0.113.5, 10.1.2.3").status(),
                "the leftmost hop is the client's own claim: not believed");
    }

    @Test
    void socketsPerAddressAreCappedAndFreedOnClose() {
        Browser browser = new Browser(uri);
        String first = browser.benchPage();
        String second = browser.benchPage();
        String third = browser.benchPage();
        SocketClient one = browser.socket(first);
        one.next("hello");
        SocketClient two = browser.socket(second);
        two.next("hello");
        assertEquals(1013, browser.socket(third).closeCode(), "a third socket from 127.0.0.1");
        one.close();
        Eventually.await(Duration.ofSeconds(10), "a slot is free again", () -> {
            SocketClient retry = browser.socket(third);
            try {
                return "hello".equals(retry.next(Duration.ofSeconds(1)).path("t").asText());
            } catch (AssertionError refusedAgain) {
                return false;
            } finally {
                retry.close();
            }
        });
        two.close();
    }

    /** An IPv6 client holds a whole /64: its sockets count under the network, as its pages and bodies do. */
    @Test
    void socketsOfOneIpv6NetworkShareTheCapOfOneAddress() {
        Browser browser = new Browser(uri);
        List<String> pages = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            pages.add(open(browser, "203.0.113.70").json().get("page_id").asText());
        }
        SocketClient one = SocketClient.open(browser, pages.get(0), Map.of("X-Forwarded-For", "2001:db8:1:2::1"));
        one.next("hello");
        SocketClient two = SocketClient.open(browser, pages.get(1), Map.of("X-Forwarded-For", "2001:db8:1:2:ab::2"));
        two.next("hello");
        SocketClient third = SocketClient.open(browser, pages.get(2), Map.of("X-Forwarded-For", "2001:db8:1:2:ffff::3"));
        assertEquals(1013, third.closeCode(), "a third socket from the same /64");
        SocketClient elsewhere = SocketClient.open(browser, pages.get(3), Map.of("X-Forwarded-For", "2001:db8:1:3::1"));
        assertEquals("hello", elsewhere.next().path("t").asText(), "another /64 is another client");
        one.close();
        two.close();
        elsewhere.close();
    }

    /**
     * Whoever holds a /48 holds 65,536 /64s: past 8 different /64s (the default) the /48 counts as
     * one client, for every /64 of it, the first ones included; another /48 is another client.
     */
    @Test
    void anIpv6NetworkSpreadOverManySlash64sCountsAsOneClient() {
        Browser browser = new Browser(uri);
        for (int net = 1; net <= 8; net++) {
            String client = "2001:db8:5:" + net + "::1";
            for (int i = 0; i < 5; i++) {
                assertEquals(201, open(browser, client).status(), "a /64 of its own: " + client);
            }
        }
        for (int i = 0; i < 5; i++) {
            assertEquals(201, open(browser, "2001:db8:5:9::1").status(), "the /48, now one client");
        }
        assertError(open(browser, "2001:db8:5:9::1"), 429, "rate_limited");
        assertError(open(browser, "2001:db8:5:1::1"), 429, "rate_limited");
        assertError(open(browser, "2001:db8:5:ffff::1"), 429, "rate_limited");
        assertEquals(201, open(browser, "2001:db8:6:1::1").status(), "another /48 is another client");
    }

    @Test
    void whatTheGuestsOfAnAddressAndEachUserHoldAliveIsCapped() {
        onAnotherServer(Map.of("resident.trusted-proxies", "127.0.0.1",
                "resident.limits.per-address.enabled", "true",
                "resident.limits.per-address.guest-pages", "3",
                "resident.limits.per-address.guest-connections", "2",
                "resident.limits.max-pages-per-user", "3",
                "resident.sweep-interval", "200ms"), server -> {
            String here = "203.0.113.20";
            Browser first = new Browser(server);
            String firstPage = openAt(server, first, here).json().get("page_id").asText();
            assertEquals(201, openAt(server, first, here).status());
            Browser second = new Browser(server);
            assertEquals(201, openAt(server, second, here).status(), "a second guest session of the address");
            Reply pages = openAt(server, second, here);
            assertError(pages, 429, "too_many_pages");
            assertEquals(List.of("60"), pages.headers().get("retry-after"));
            assertError(openAt(server, first, here), 429, "too_many_pages");
            assertError(openAt(server, new Browser(server), here), 429, "rate_limited");
            assertEquals(201, openAt(server, new Browser(server), "203.0.113.21").status(), "another address's guests");

            // a logged-in user counts as herself, whatever her address; the address's guests do not hold her back
            Browser alice = new Browser(server);
            assertEquals(200, send(server, alice, "/_/login", here, "{\"user\":\"alice\",\"password\":\"alice\"}")
                    .status());
            for (int i = 0; i < 3; i++) {
                assertEquals(201, openAt(server, alice, here).status());
            }
            assertError(openAt(server, alice, "203.0.113.22"), 429, "too_many_pages");
            Browser bob = new Browser(server);
            assertEquals(200, send(server, bob, "/_/login", here, "{\"user\":\"bob\",\"password\":\"bob\"}")
                    .status());
            assertEquals(201, openAt(server, bob, here).status(), "another user of the same address");

            // a page that ends frees its place at the next sweep
            assertEquals(204, first.post("/_/close", Json.object().put("page_id", firstPage)).status());
            Eventually.await(Duration.ofSeconds(5), "the closed page's place is free again",
                    () -> openAt(server, first, here).status() == 201);
            assertError(openAt(server, first, here), 429, "too_many_pages");
        });
    }

    /**
     * Page code may keep what a client sends in its page's data: what the pages of one address's
     * guests, or of one user, hold together is bounded, and past the bound the largest of that
     * share's pages are closed; the other shares' pages are not touched.
     */
    @Test
    void whatTheGuestsOfAnAddressKeepInTheirPagesIsBoundedAndTheirLargestPageGoesFirst(
            @org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) {
        PageTypes types = new PageTypes().register(dev.resident.page.PageType.builder("/hoard", (page, params) -> page)
                .method("keep", (page, params) -> {
                    page.data().set("text", params.string("text"));
                    return null;
                })
                .method("length", (page, params) -> page.data().get("text").asText().length())
                .build());
        Map<String, String> config = Map.of("resident.trusted-proxies", "127.0.0.1",
                "resident.limits.per-address.enabled", "true",
                "resident.limits.max-held-per-share", "200000",
                "resident.state.store", "embedded", "resident.state.dir", dir.toString(),
                "resident.state.snapshot-interval", "100ms",
                "resident.sweep-interval", "60s"); // a share that grows past its bound is weighed at once
        onAnotherServer(config, types, server -> {
            Browser guests = new Browser(server);
            String small = hoard(server, guests, "203.0.113.30", 30_000);
            String alsoSmall = hoard(server, guests, "203.0.113.30", 30_000);
            String large = hoard(server, guests, "203.0.113.30", 1);
            SocketClient largesSocket = SocketClient.open(guests, large, Map.of("X-Forwarded-For", "203.0.113.30"));
            largesSocket.next("hello");
            assertEquals(200, guests.rpc(large, "keep", Json.object().put("text", "t".repeat(150_000)), null).status());
            Browser elsewhere = new Browser(server);
            String anotherAddresss = hoard(server, elsewhere, "203.0.113.31", 90_000);
            Browser alice = new Browser(server);
            assertEquals(200, send(server, alice, "/_/login", "203.0.113.30",
                    "{\"user\":\"alice\",\"password\":\"alice\"}").status());
            String users = hoard(server, alice, "203.0.113.30", 90_000);

            // the snapshots alone pass the bound (210,000 characters), so the share is weighed: each page
            // holds its text twice (its saved data, its data message kept for replay), the address's
            // guests ~420,000 characters, and the largest page goes
            Observe observe = new Observe(server);
            Eventually.await(Duration.ofSeconds(10), "the largest page of the address closed", // asked without changing it
                    () -> "pages closed for their share: " + observe.metric("resident_pages_over_share_total", "p99")
                            + ", the page answers " + guests.rpc(large, "length").body(),
                    () -> guests.rpc(large, "length").status() == 404);
            assertEquals(1009, largesSocket.closeCode(), "its socket is told why");
            assertEquals(200, guests.rpc(small, "keep", Json.object().put("text", "y".repeat(30_000)), null).status());
            assertEquals(200, guests.rpc(alsoSmall, "keep", Json.object().put("text", "z"), null).status());
            assertEquals(200, elsewhere.rpc(anotherAddresss, "keep", Json.object().put("text", "w"), null).status(),
                    "another address's guests keep theirs");
            assertEquals(200, alice.rpc(users, "keep", Json.object().put("text", "v"), null).status(),
                    "a user counts as herself");
            assertEquals(1.0, observe.metric("resident_pages_over_share_total", "p99"));
        });
    }

    /** Opens a /hoard page from {@code forwardedFor} and keeps {@code chars} characters in it. */
    private static String hoard(URI server, Browser browser, String forwardedFor, int chars) {
        Reply opened = send(server, browser, "/_/pages", forwardedFor, "{\"path\":\"/hoard\"}");
        assertEquals(201, opened.status(), opened.body());
        String pageId = opened.json().get("page_id").asText();
        assertEquals(200, browser.rpc(pageId, "keep", Json.object().put("text", "t".repeat(chars)), null).status());
        return pageId;
    }

    /**
     * A full process does not keep everyone out for as long as idle guests hold their places: a
     * guest's page without a socket, idle long enough, gives way to a new page (and is continued
     * from its saved copy when its client comes back), as a guest's session without pages gives way
     * to a new session. A user's page and a page with a socket stay.
     */
    @Test
    void inAFullProcessIdleGuestsGiveWayAndUsersAndSocketsStay(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) {
        onAnotherServer(Map.of("resident.limits.max-pages", "3", "resident.limits.guests-give-way-after", "300ms",
                "resident.state.store", "embedded", "resident.state.dir", dir.toString(),
                "resident.state.snapshot-interval", "100ms"), server -> {
            Browser alice = new Browser(server);
            assertEquals(200, alice.login("alice", "alice").status());
            String users = alice.benchPage();
            Browser live = new Browser(server);
            SocketClient socket = live.socket(live.benchPage());
            socket.next("hello");
            Browser idle = new Browser(server);
            String idlePage = idle.benchPage();
            assertEquals(1, idle.rpc(idlePage, "inc").json().get("result").asLong());
            Browser newcomer = new Browser(server);
            assertError(newcomer.post("/_/pages", "{\"path\":\"/_bench\"}"), 503, "unavailable");
            Eventually.await(Duration.ofSeconds(5), "the idle guest's page gave way",
                    () -> newcomer.post("/_/pages", "{\"path\":\"/_bench\"}").status() == 201);
            assertEquals(1, alice.rpc(users, "inc").json().get("result").asLong(), "a user's page stays");
            socket.send(Json.object().put("t", "rpc").put("id", 1).put("method", "inc"));
            assertEquals(1, socket.next("result").get("result").asLong(), "a page with a socket stays");
            // a page continued takes a place like one opened: in the full process, once the
            // newcomer's page is idle long enough to give way in turn
            Reply[] back = new Reply[1];
            Eventually.await(Duration.ofSeconds(5), "the page that gave way is continued from its saved copy",
                    () -> (back[0] = idle.rpc(idlePage, "inc")).status() == 200);
            assertEquals(2, back[0].json().get("result").asLong(), "refused tries ran nothing");
        });
        onAnotherServer(Map.of("resident.limits.max-connections", "2", "resident.limits.guests-give-way-after", "300ms"),
                server -> {
            Browser left = new Browser(server);
            String leftPage = left.benchPage();
            assertEquals(204, left.post("/_/close", Json.object().put("page_id", leftPage)).status());
            Browser staying = new Browser(server);
            String stayingPage = staying.benchPage();
            Browser newcomer = new Browser(server);
            Eventually.await(Duration.ofSeconds(5), "the idle guest's session without pages gave way",
                    () -> newcomer.post("/_/pages", "{\"path\":\"/_bench\"}").status() == 201);
            assertEquals(200, staying.rpc(stayingPage, "inc").status(), "a session with a page stays");
        });
    }

    /**
     * Each login creates a session, and a user's sessions had no cap: one user logging in over and
     * over filled {@code max-connections}, and every other login and visitor got 503 (a helper's
     * finding). Past {@code sessions-per-user} the user's least recently seen session without
     * pages leaves memory; a session with a page stays.
     */
    @Test
    void oneUserLoggingInOverAndOverCannotFillTheProcess() {
        onAnotherServer(Map.of("resident.limits.max-connections", "12", "resident.limits.sessions-per-user", "3"),
                server -> {
            Browser working = new Browser(server);
            assertEquals(200, working.login("bob", "bob").status());
            String page = working.benchPage();
            for (int i = 0; i < 20; i++) {
                assertEquals(200, new Browser(server).login("bob", "bob").status(), "bob's login " + i);
            }
            assertEquals(200, new Browser(server).login("carol", "carol").status(), "another user's login");
            assertEquals(201, new Browser(server).post("/_/pages", "{\"path\":\"/_bench\"}").status(), "a visitor");
            assertEquals(200, working.rpc(page, "inc").status(), "bob's session with a page stayed");
            assertTrue(new Observe(server).metric("resident_connections", "p99") <= 5,
                    "bob's three, carol's, the visitor's");
        });
    }

    /**
     * Pages may watch tables their client names (the legacy bridge page does): past half of
     * {@code max-watched-tables}, one user who brought in a share of them (16 here) brings in no
     * more, so another user's pages still get theirs. Before, one user took every place.
     */
    @Test
    void oneUserCannotTakeEveryWatchedTable() {
        onAnotherServer(Map.of("resident.limits.max-watched-tables", "40"), server -> {
            Browser bob = new Browser(server);
            assertEquals(200, bob.login("bob", "bob").status());
            int opened = 0;
            Reply refused = null;
            while (opened < 40) {
                Reply reply = bob.post("/_/pages", Json.object().put("path", "/_bench").set("params",
                        Json.object().set("tables", Json.array().add("bob_" + opened))));
                if (reply.status() != 201) {
                    refused = reply;
                    break;
                }
                opened++;
            }
            assertEquals(20, opened, "half of the places, then none");
            assertError(refused, 429, "rate_limited");
            Browser carol = new Browser(server);
            assertEquals(200, carol.login("carol", "carol").status());
            for (int i = 0; i < 16; i++) {
                assertEquals(201, carol.post("/_/pages", Json.object().put("path", "/_bench").set("params",
                        Json.object().set("tables", Json.array().add("carol_" + i)))).status(), "carol's table " + i);
            }
            assertEquals(201, bob.post("/_/pages", Json.object().put("path", "/_bench").set("params",
                    Json.object().set("tables", Json.array().add("carol_0")))).status(), "a table already watched");
        });
    }

    /**
     * A process full of sockets does not keep a new client's socket out while another address holds
     * many: the newcomer takes one of the largest holder's places (1013 to that socket), until the
     * sockets are shared as evenly as the clients ask for them.
     */
    @Test
    void inAProcessFullOfSocketsANewAddressTakesAPlaceFromTheLargestHolder() {
        onAnotherServer(Map.of("resident.trusted-proxies", "127.0.0.1", "resident.limits.per-address.enabled", "true",
                "resident.limits.max-sockets", "4", "resident.limits.per-address.sockets", "3"), server -> {
            Browser many = new Browser(server);
            List<SocketClient> held = new java.util.ArrayList<>();
            for (int i = 0; i < 3; i++) {
                held.add(forwardedSocket(server, many, "203.0.113.40"));
            }
            Browser one = new Browser(server);
            SocketClient ones = forwardedSocket(server, one, "203.0.113.41"); // the process is full now

            Browser newcomer = new Browser(server);
            SocketClient newcomers = forwardedSocket(server, newcomer, "203.0.113.42");
            Eventually.await(Duration.ofSeconds(10), "one of the largest holder's sockets closed",
                    () -> held.stream().filter(SocketClient::isClosed).count() == 1);
            SocketClient given = held.stream().filter(SocketClient::isClosed).findFirst().orElseThrow();
            assertEquals(1013, given.closeCode());
            assertEquals(2L, held.stream().filter(s -> !s.isClosed()).count());

            // shared evenly now (2, 1, 1): neither the largest holder nor a newcomer takes another's place
            String again = page(server, many, "203.0.113.40");
            assertEquals(1013, SocketClient.open(many, again, Map.of("X-Forwarded-For", "203.0.113.40")).closeCode());
            String second = page(server, newcomer, "203.0.113.42");
            assertEquals(1013, SocketClient.open(newcomer, second, Map.of("X-Forwarded-For", "203.0.113.42")).closeCode());
            assertFalse(ones.isClosed(), "the one socket of the second address stays");
            assertFalse(newcomers.isClosed());
            assertEquals(1.0, new Observe(server).metric("resident_sockets_given_way_total", "p99"));
        });
    }

    /** A socket of a page opened from {@code forwardedFor}, open (its hello read). */
    private static SocketClient forwardedSocket(URI server, Browser browser, String forwardedFor) {
        SocketClient socket = SocketClient.open(browser, page(server, browser, forwardedFor),
                Map.of("X-Forwarded-For", forwardedFor));
        socket.next("hello");
        return socket;
    }

    private static String page(URI server, Browser browser, String forwardedFor) {
        Reply opened = send(server, browser, "/_/pages", forwardedFor, "{\"path\":\"/_bench\"}");
        assertEquals(201, opened.status(), opened.body());
        return opened.json().get("page_id").asText();
    }

    @Test
    void theWholeProcessIsCapped() {
        onAnotherServer(Map.of("resident.limits.max-pages", "2", "resident.limits.max-connections", "1",
                "resident.limits.max-sockets", "1"), server -> {
            Browser browser = new Browser(server);
            String pageId = browser.benchPage();
            assertError(new Browser(server).post("/_/pages", "{\"path\":\"/_bench\"}"), 503, "unavailable");
            browser.benchPage();
            Reply full = browser.post("/_/pages", "{\"path\":\"/_bench\"}");
            assertError(full, 503, "unavailable");
            assertEquals(List.of("5"), full.headers().get("retry-after"));
            SocketClient socket = browser.socket(pageId);
            socket.next("hello");
            assertEquals(1013, browser.socket(pageId).closeCode(), "a second socket in the process");
        });
    }

    @Test
    void aSlowCallIsLoggedOnceWithItsStack() {
        try (LogLines lines = LogLines.of("dev.resident.web.SlowCalls")) {
            Browser browser = new Browser(uri);
            String pageId = browser.benchPage();
            double before = new Observe(uri).metric("resident_slow_calls_total");
            ObjectNode params = Json.object().put("io_ms", 1200);
            assertEquals(200, browser.rpc(pageId, "work", params, null).status());
            Eventually.await(Duration.ofSeconds(5), "the slow call logged", () -> !lines.containing(pageId).isEmpty());
            List<String> mine = lines.containing(pageId);
            assertEquals(1, mine.size(), "logged once");
            String line = mine.get(0);
            assertTrue(line.contains("slow page call: work"), line);
            assertTrue(line.contains("BenchPage.work"), "the stuck call's stack: " + line);
            assertEquals(before + 1, new Observe(uri).metric("resident_slow_calls_total"));
        }
    }


    /**
     * Behind a trusted TLS balancer the site is {@code https}: a request with an {@code http} origin
     * of the same name comes from a page on the plain side (a network attacker's), another site: for
     * the API's requests and for page sockets alike.
     */
    @Test
    void behindATlsBalancerOnlyTheHttpsOriginIsTheSitesOwn() {
        String credentials = "{\"user\":\"bob\",\"password\":\"bob\"}";
        for (String scheme : List.of("http", "https")) {
            Reply reply = new Browser(uri).send(HttpRequest.newBuilder(uri.resolve("/_/login"))
                    .header("Content-Type", "application/json")
                    .header("X-Forwarded-For", "203.0.113.90")
                    .header("X-Forwarded-Proto", "https")
                    .header("Origin", scheme + "://" + uri.getAuthority())
                    .POST(HttpRequest.BodyPublishers.ofString(credentials)));
            if (scheme.equals("http")) {
                assertError(reply, 403, "forbidden");
            } else {
                assertEquals(200, reply.status(), reply.body());
            }
        }
        Browser browser = new Browser(uri);
        String page = open(browser, "203.0.113.91").json().get("page_id").asText();
        for (String scheme : List.of("http", "https")) {
            SocketClient socket = SocketClient.open(browser, page, Map.of("X-Forwarded-For", "203.0.113.91",
                    "X-Forwarded-Proto", "https", "Origin", scheme + "://" + uri.getAuthority()));
            if (scheme.equals("http")) {
                assertEquals(1008, socket.closeCode(), "the page socket takes the https origin only");
            } else {
                assertEquals("hello", socket.next().path("t").asText());
                socket.close();
            }
        }
    }

    @Test
    void cookiesAreSecureOnlyBehindATrustedTlsBalancer() {
        Reply behindTls = new Browser(uri).send(HttpRequest.newBuilder(uri.resolve("/_/pages"))
                .header("Content-Type", "application/json")
                .header("X-Forwarded-Proto", "https")
                .header("X-Forwarded-For", "203.0.113.20")
                .POST(HttpRequest.BodyPublishers.ofString("{\"path\":\"/_bench\"}")));
        assertEquals(201, behindTls.status(), behindTls.body());
        assertTrue(behindTls.headers().get("set-cookie").get(0).contains("Secure"), behindTls.headers().toString());
        // the route cookie of a login too: it names which browsers belong to one user
        Reply login = new Browser(uri).send(HttpRequest.newBuilder(uri.resolve("/_/login"))
                .header("Content-Type", "application/json")
                .header("X-Forwarded-Proto", "https")
                .header("X-Forwarded-For", "203.0.113.21")
                .POST(HttpRequest.BodyPublishers.ofString("{\"user\":\"alice\",\"password\":\"alice\"}")));
        assertEquals(200, login.status(), login.body());
        List<String> routeCookies = login.headers().get("set-cookie").stream().filter(c -> c.startsWith("rsd_aff=")).toList();
        assertEquals(1, routeCookies.size(), login.headers().toString());
        assertTrue(routeCookies.get(0).contains("Secure"), routeCookies.toString());

        onAnotherServer(Map.of(), server -> {
            Reply spoofed = new Browser(server).send(HttpRequest.newBuilder(server.resolve("/_/pages"))
                    .header("Content-Type", "application/json")
                    .header("X-Forwarded-Proto", "https")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"path\":\"/_bench\"}")));
            assertEquals(201, spoofed.status());
            assertFalse(spoofed.headers().get("set-cookie").get(0).contains("Secure"),
                    "no trusted proxy: X-Forwarded-Proto is ignored");
        });
    }

    private Reply open(Browser browser, String forwardedFor) {
        return browser.send(HttpRequest.newBuilder(uri.resolve("/_/pages"))
                .header("Content-Type", "application/json")
                .header("X-Forwarded-For", forwardedFor)
                .POST(HttpRequest.BodyPublishers.ofString("{\"path\":\"/_bench\"}")));
    }

    private static Reply openAt(URI server, Browser browser, String forwardedFor) {
        return send(server, browser, "/_/pages", forwardedFor, "{\"path\":\"/_bench\"}");
    }

    private static Reply send(URI server, Browser browser, String path, String forwardedFor, String json) {
        return browser.send(HttpRequest.newBuilder(server.resolve(path))
                .header("Content-Type", "application/json")
                .header("X-Forwarded-For", forwardedFor)
                .POST(HttpRequest.BodyPublishers.ofString(json)));
    }

    private Reply login(Browser browser, String forwardedFor) {
        return browser.send(HttpRequest.newBuilder(uri.resolve("/_/login"))
                .header("Content-Type", "application/json")
                .header("X-Forwarded-For", forwardedFor)
                .POST(HttpRequest.BodyPublishers.ofString("{\"user\":\"carol\",\"password\":\"carol\"}")));
    }

    /** Runs {@code test} against a second Resident on its own port, configured with {@code overrides}. */
    private static void onAnotherServer(Map<String, String> overrides, Consumer<URI> test) {
        onAnotherServer(overrides, new PageTypes(), test);
    }

    /** Like {@link #onAnotherServer(Map, Consumer)}, with page types of its own besides the bench's. */
    private static void onAnotherServer(Map<String, String> overrides, PageTypes types, Consumer<URI> test) {
        Map<String, String> all = new java.util.HashMap<>(overrides);
        // its own meters: closing it must not remove the main server's
        all.put("resident.process", "p99");
        Resident other = TestServers.resident(all, types);
        WebServer server = WebServer.builder().host("127.0.0.1").port(0).update(other::setup).build().start();
        try {
            test.accept(URI.create("http://127.0.0.1:" + server.port()));
        } finally {
            server.stop();
            other.close();
        }
    }
}
