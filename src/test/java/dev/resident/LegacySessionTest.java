package dev.resident;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.resident.json.Json;
import dev.resident.page.PageTypes;
import dev.resident.support.Browser;
import dev.resident.support.Browser.Reply;
import dev.resident.support.Eventually;
import dev.resident.support.GunicornProcess;
import dev.resident.support.Machine;
import dev.resident.support.SocketClient;
import dev.resident.support.TestServers;
import io.helidon.webserver.WebServer;
import io.helidon.webserver.WebServerConfig;
import io.helidon.webserver.testing.junit5.ServerTest;
import io.helidon.webserver.testing.junit5.SetUpServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

import static dev.resident.ProtocolTest.assertError;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * One login for Resident and the legacy app ({@code resident.auth.mode: legacy-session}) against
 * the real gunicorn app, whose {@code /app/whoami} is the introspection endpoint: the legacy
 * session's user is the Resident connection's user, on HTTP and on the page socket, with its roles;
 * a logout in the legacy app ends the Resident login within the cache time.
 */
@ServerTest
@Timeout(60)
class LegacySessionTest {
    private static final Duration CACHE_TTL = Duration.ofSeconds(1);
    private static GunicornProcess legacy;
    private static Resident resident;
    private final URI uri;

    LegacySessionTest(URI uri) {
        this.uri = uri;
    }

    @SetUpServer
    public static void setup(WebServerConfig.Builder server) {
        legacy = new GunicornProcess(Map.of("RESIDENT_ADMIN_TOKEN", TestServers.ADMIN_TOKEN));
        resident = TestServers.resident(config(Map.of("legacy.session.cache-ttl", CACHE_TTL.toMillis() + "ms")),
                new PageTypes().register(StoresTest.NotesPage.type()));
        server.update(resident::setup);
    }

    @AfterAll
    static void close() {
        resident.close();
        legacy.close();
    }

    @Test
    void theLegacySessionsUserIsTheResidentUserOnHttpAndSocket() {
        Browser browser = new Browser(uri);
        assertEquals("dave", browser.get("/app/login?user=dave&roles=clerk").json().get("user").asText());
        JsonNode opened = browser.openPage("/_bench", null);
        assertEquals("dave", opened.get("user").asText(), "no second login");
        String pageId = opened.get("page_id").asText();
        SocketClient socket = browser.socket(pageId);
        socket.next("hello");

        Reply notified = admin(browser, "/_/notify", Json.object().put("user", "dave").put("topic", "order"));
        assertEquals(202, notified.status(), notified.body());
        assertEquals("order", socket.next("notify").get("topic").asText(), "dave's notifications reach his page");
        socket.close();

        browser.get("/app/logout");
        assertEquals(404, browser.get("/_/page?page_id=" + pageId).status(), "the legacy cookie is gone: his page ended");
        assertTrue(browser.openPage("/_bench", null).get("user").asText().startsWith("guest_"), "a guest at once");
    }

    @Test
    void jobsOverHttpFollowTheLegacySessionToo() {
        Browser browser = new Browser(uri);
        browser.get("/app/login?user=fay");
        String pageId = browser.openPage("/_bench", null).get("page_id").asText();
        Reply submitted = browser.rpc(pageId, "job", Json.object().put("steps", 1), null);
        assertEquals(200, submitted.status(), submitted.body());
        String jobId = submitted.json().path("result").path("job_id").asText();
        assertEquals(200, browser.get("/_/jobs/" + jobId).status(), "fay's job, to fay");
        browser.get("/app/logout");
        assertEquals(404, browser.get("/_/jobs/" + jobId).status(), "after the legacy logout a guest's: not fay's job");
    }

    /**
     * After a logout in the legacy app, the page (kept: the legacy session is followed, not ended)
     * gets nothing more of the job its user started: whoever holds the browser now does not see its
     * progress or its result.
     */
    /**
     * On a shared browser, what a user had open stays theirs: after a logout in the legacy app, or
     * another user's login there, her pages are gone and the session's store is empty. A guest
     * who logs in keeps both (the same person's).
     */
    @Test
    void aUsersPagesAndStoreDoNotPassToWhoeverHoldsTheLegacySessionNext() {
        for (String next : new String[] {"/app/logout", "/app/login?user=ivy"}) {
            Browser browser = new Browser(uri);
            browser.get("/app/login?user=hal");
            String pageId = browser.openPage("/notes", null).get("page_id").asText();
            assertEquals(200, browser.rpc(pageId, "put", Json.object().put("scope", "connection").put("key", "draft")
                    .put("value", "half a letter"), null).status());
            SocketClient socket = browser.socket(pageId);
            socket.next("hello");

            browser.get(next);
            String fresh = browser.openPage("/notes", null).get("page_id").asText();
            assertEquals(4404, socket.closeCode(Duration.ofSeconds(10)), "hal's page ended after " + next);
            assertEquals(404, browser.get("/_/page?page_id=" + pageId).status());
            Reply draft = browser.rpc(fresh, "get", Json.object().put("scope", "connection").put("key", "draft"), null);
            assertTrue(draft.json().get("result").isNull(), "the session's store is empty: " + draft.body());
        }

        Browser guest = new Browser(uri);
        String page = guest.openPage("/notes", null).get("page_id").asText();
        assertEquals(200, guest.rpc(page, "put", Json.object().put("scope", "connection").put("key", "cart")
                .put("value", "two books"), null).status());
        guest.get("/app/login?user=judy");
        assertEquals("judy", user(guest, page));
        Reply kept = guest.rpc(page, "get", Json.object().put("scope", "connection").put("key", "cart"), null);
        assertEquals("two books", kept.json().get("result").asText(), "a guest's page and store go with its login");
    }

    /**
     * The legacy app cannot answer (restarting, overloaded): a connection keeps the identity it last
     * proved for the outage grace, its pages and socket too; past the grace it is a guest's.
     */
    @Test
    void anOutageOfTheLegacyAppEndsNoPageWithinItsGraceAndLogsOutAfterIt() {
        for (boolean withinGrace : new boolean[] {true, false}) {
            String user = withinGrace ? "kim" : "lou";
            onAnotherServer(Map.of("legacy.session.cache-ttl", "0s",
                    "legacy.session.outage-grace", withinGrace ? "1h" : "0s"), browser -> {
                browser.get("/app/login?user=" + user);
                String pageId = browser.openPage("/_bench", null).get("page_id").asText();
                SocketClient socket = browser.socket(pageId);
                socket.next("hello");
                browser.post("/app/whoami-fails?user=" + user, "{}");
                Reply after = browser.get("/_/page?page_id=" + pageId);
                if (withinGrace) {
                    assertEquals(200, after.status(), after.body());
                    assertEquals(user, after.json().get("user").asText(), "still " + user);
                    socket.send(Json.object().put("t", "rpc").put("id", 1).put("method", "inc"));
                    assertEquals("result", socket.next(m -> m.path("id").asInt() == 1).path("t").asText(),
                            "the socket stays open");
                } else {
                    assertEquals(404, after.status(), "past the grace the user's page ended: " + after.body());
                    assertEquals(4404, socket.closeCode(Duration.ofSeconds(10)));
                    assertTrue(browser.openPage("/_bench", null).get("user").asText().startsWith("guest_"));
                }
            });
        }
    }

    /**
     * Through an outage the identity holds only for the legacy session that proved it: whoever else
     * holds the Resident session id (a fixed or shared browser's) and makes the question fail for
     * its own request (here a legacy session of its own that cannot be asked about either; a legacy
     * app kept busy does the same) is refused, and the user's own requests go on.
     */
    @Test
    void throughAnOutageOnlyTheLegacySessionThatProvedTheIdentityKeepsIt() {
        onAnotherServer(Map.of("legacy.session.cache-ttl", "0s", "legacy.session.outage-grace", "1h"), victim -> {
            victim.get("/app/login?user=rae");
            String pageId = victim.openPage("/_bench", null).get("page_id").asText();
            Browser attacker = new Browser(victim.base());
            attacker.get("/app/login?user=sid");
            attacker.useSession(victim.connectionId());
            victim.post("/app/whoami-fails?user=rae", "{}");
            victim.post("/app/whoami-fails?user=sid", "{}");

            assertError(attacker.get("/_/page?page_id=" + pageId), 503, "unavailable");
            assertError(attacker.post("/_/pages", "{\"path\":\"/_bench\"}"), 503, "unavailable");
            assertError(attacker.rpc(pageId, "inc"), 503, "unavailable");
            assertEquals(1013, attacker.socket(pageId).closeCode(Duration.ofSeconds(10)), "no socket on the page either");
            Reply own = victim.get("/_/page?page_id=" + pageId);
            assertEquals(200, own.status(), own.body());
            assertEquals("rae", own.json().get("user").asText(), "the user's own requests go on through the outage");
        });
    }

    @Test
    void aLogoutInTheLegacyAppEndsTheResidentLoginWithinTheCacheTime() {
        Browser browser = new Browser(uri);
        browser.get("/app/login?user=erin");
        String pageId = browser.openPage("/_bench", null).get("page_id").asText();
        assertEquals("erin", user(browser, pageId));
        // the session ends in the legacy app while the browser keeps its cookie (another tab logged out)
        assertEquals(1, new Browser(uri).post("/app/end-sessions?user=erin", "{}").json().get("ended").asInt());
        long ended = System.nanoTime();
        Eventually.await(CACHE_TTL.plusSeconds(5), "erin's page ended",
                () -> browser.get("/_/page?page_id=" + pageId).status() == 404);
        assertTrue(System.nanoTime() - ended < CACHE_TTL.plusSeconds(5).toNanos());
        assertTrue(browser.openPage("/_bench", null).get("user").asText().startsWith("guest_"), "erin is a guest");
    }

    /**
     * An open socket sends no request of its own: before, it kept the user it opened with after a
     * logout in the legacy app, until it reconnected, getting her notices and running calls as her.
     * Its heartbeat now asks the session again every cache time.
     */
    @Test
    void aLogoutInTheLegacyAppClosesTheUsersOpenSocket() {
        Browser browser = new Browser(uri);
        browser.get("/app/login?user=erin");
        String pageId = browser.openPage("/_bench", null).get("page_id").asText();
        SocketClient socket = browser.socket(pageId);
        socket.next("hello");
        assertEquals(1, new Browser(uri).post("/app/end-sessions?user=erin", "{}").json().get("ended").asInt());
        assertEquals(4404, socket.closeCode(CACHE_TTL.plusSeconds(10)), "the page of erin's ended session ends");
    }

    @Test
    void theLegacyAppsRolesComeAlong() {
        Browser clerk = new Browser(uri);
        clerk.get("/app/login?user=frank&roles=clerk");
        clerk.benchPage(); // the first Resident request of this browser: its connection
        assertError(clerk.get("/_/admin/state"), 403, "forbidden");
        Browser admin = new Browser(uri);
        admin.get("/app/login?user=grace&roles=admin,clerk");
        admin.benchPage();
        assertEquals(200, admin.get("/_/admin/state").status(), "the legacy app's admin role is Resident's admin role");
    }

    @Test
    void withoutALegacySessionARequestIsAGuestsAndResidentsOwnLoginIsRefused() {
        Browser browser = new Browser(uri);
        assertTrue(browser.openPage("/_bench", null).get("user").asText().startsWith("guest_"));
        assertError(browser.login("alice", "alice"), 403, "forbidden");
        assertError(browser.post("/_/logout", "{}"), 403, "forbidden");
    }

    @Test
    void answersAreKeptForTheCacheTime() {
        onAnotherServer(Map.of("legacy.session.cache-ttl", "1h"), browser -> {
            browser.get("/app/login?user=heidi");
            int before = whoamiCalls(browser);
            String pageId = browser.openPage("/_bench", null).get("page_id").asText();
            for (int i = 0; i < 5; i++) {
                assertEquals("heidi", user(browser, pageId));
            }
            assertEquals(before + 1, whoamiCalls(browser), "one question to the legacy app for six requests");
        });
    }

    /** Any client can make "no user" answers by the thousand, with made-up cookies: they must not push out the users'. */
    @Test
    void madeUpCookiesDoNotPushTheUsersAnswersOutOfTheCache() {
        onAnotherServer(Map.of("legacy.session.cache-ttl", "1h", "legacy.session.cache-size", "3"), browser -> {
            browser.get("/app/login?user=nia");
            String pageId = browser.openPage("/_bench", null).get("page_id").asText();
            for (int i = 0; i < 5; i++) {
                Browser stranger = new Browser(browser.base());
                stranger.setCookie("legacy_sid", "made-up-" + i);
                assertTrue(stranger.openPage("/_bench", null).get("user").asText().startsWith("guest_"));
            }
            int before = whoamiCalls(browser);
            assertEquals("nia", user(browser, pageId));
            assertEquals(before, whoamiCalls(browser), "nia's answer was kept");
        });
    }

    @Test
    void aLegacyAppThatCannotBeAskedMakesGuests() {
        onAnotherServer(Map.of("legacy.session.introspect", "http://127.0.0.1:" + Machine.freePort() + "/whoami"), browser -> {
            browser.get("/app/login?user=ivan");
            assertTrue(browser.openPage("/_bench", null).get("user").asText().startsWith("guest_"));
        });
    }

    /**
     * A legacy app whose introspection answer stops in the middle of its body (a worker stuck after
     * its headers, a network that stalls) is a question unanswered within {@code legacy.session.timeout},
     * as one whose headers never come: the request goes on as a guest's. Before, the timeout ended
     * at the answer's head and the body was waited for without one: the user's requests hung as long
     * as the legacy app did, each holding one of the 64 places of the questions that wait.
     */
    @Test
    void anIntrospectionAnswerThatStallsMidBodyIsUnansweredWithinTheTimeout() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        HttpServer whoami = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
        whoami.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        whoami.createContext("/whoami", exchange -> {
            byte[] body = "{\"user\":\"pia\"}".getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body, 0, 4);
                out.flush();
                release.await(); // the rest only once the test is over
                out.write(body, 4, body.length - 4);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        whoami.start();
        try (ExecutorService clients = Executors.newVirtualThreadPerTaskExecutor()) {
            onAnotherServer(Map.of("legacy.session.introspect", "http://127.0.0.1:" + whoami.getAddress().getPort() + "/whoami",
                    "legacy.session.timeout", "1s"), browser -> {
                try {
                    browser.setCookie("legacy_sid", "pia-session");
                    long start = System.nanoTime();
                    Future<Reply> opened = clients.submit(() -> browser.post("/_/pages", "{\"path\":\"/_bench\"}"));
                    Reply reply;
                    try {
                        reply = opened.get(15, TimeUnit.SECONDS);
                    } catch (TimeoutException e) {
                        throw new AssertionError("no answer within 15 s for a legacy.session.timeout of 1 s", e);
                    } catch (InterruptedException | ExecutionException e) {
                        throw new IllegalStateException(e);
                    }
                    assertEquals(201, reply.status(), reply.body());
                    assertTrue(reply.json().get("user").asText().startsWith("guest_"), reply.body());
                    long seconds = (System.nanoTime() - start) / 1_000_000_000L;
                    assertTrue(seconds < 8, "unanswered after the 1 s timeout, give or take: " + seconds);
                } finally {
                    release.countDown();
                }
            });
        } finally {
            whoami.stop(0);
        }
    }

    /**
     * One client address sending made-up cookies while the legacy app is slow holds at most its
     * share of the questions that may wait for it ({@code per-address.legacy-introspections}): past
     * it, its questions are unanswered at once, as when the process's places are all taken (a new
     * connection goes on as a guest's), and a user at another address is still identified. Before,
     * it could hold all 64 places of the process, and every other client's question was unanswered
     * until the legacy app answered: a user logging in stayed a guest.
     */
    @Test
    void oneAddressHoldsOnlyItsShareOfTheQuestionsToTheLegacyApp() throws Exception {
        int share = 5;
        int sent = 70; // more than the process's 64 places
        AtomicInteger asked = new AtomicInteger();
        AtomicInteger guests = new AtomicInteger();
        CountDownLatch settled = new CountDownLatch(sent); // each made-up cookie asked about, or its request answered
        CountDownLatch answer = new CountDownLatch(1);
        HttpServer whoami = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 256);
        whoami.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        whoami.createContext("/whoami", exchange -> {
            if ("legacy_sid=olga-session".equals(exchange.getRequestHeaders().getFirst("Cookie"))) {
                respond(exchange, 200, "{\"user\":\"olga\"}");
                return;
            }
            asked.incrementAndGet();
            settled.countDown();
            try {
                answer.await(); // a slow legacy app: no answer until the test has seen enough
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            respond(exchange, 401, "{}");
        });
        whoami.start();
        try (ExecutorService clients = Executors.newVirtualThreadPerTaskExecutor()) {
            onAnotherServer(Map.of("legacy.session.introspect", "http://127.0.0.1:" + whoami.getAddress().getPort() + "/whoami",
                    "legacy.session.cache-ttl", "0s", "legacy.session.timeout", "30s",
                    "resident.limits.per-address.enabled", "true",
                    "resident.limits.per-address.legacy-introspections", String.valueOf(share)), browser -> {
                List<Future<Reply>> madeUp = new ArrayList<>();
                for (int i = 0; i < sent; i++) {
                    String cookie = "made-up-" + i;
                    madeUp.add(clients.submit(() -> {
                        Browser stranger = new Browser(browser.base());
                        stranger.setCookie("legacy_sid", cookie);
                        Reply reply = stranger.post("/_/pages", "{\"path\":\"/_bench\"}");
                        if (reply.status() == 201 && reply.json().get("user").asText().startsWith("guest_")) {
                            guests.incrementAndGet();
                        }
                        settled.countDown();
                        return reply;
                    }));
                }
                try {
                    assertTrue(await(settled), "every made-up cookie asked about, or its request answered");
                    int answeredAtOnce = guests.get();
                    Browser olga = new Browser(browser.base(), address("127.0.0.2"));
                    olga.setCookie("legacy_sid", "olga-session");
                    Reply opened = olga.post("/_/pages", "{\"path\":\"/_bench\"}");
                    assertEquals(201, opened.status(), "another address is still identified: " + opened.body());
                    assertEquals("olga", opened.json().get("user").asText());
                    assertEquals(share, asked.get(), "the questions one address had waiting at once");
                    assertEquals(sent - share, answeredAtOnce, "the rest unanswered at once: guests' requests");
                } finally {
                    answer.countDown();
                }
                for (Future<Reply> reply : madeUp) {
                    assertEquals(201, get(reply).status(), "once answered, a made-up cookie's request is a guest's");
                }
                Browser again = new Browser(browser.base());
                again.setCookie("legacy_sid", "olga-session");
                Reply reopened = again.post("/_/pages", "{\"path\":\"/_bench\"}");
                assertEquals(201, reopened.status(), "the address's share came back with the answers: " + reopened.body());
                assertEquals("olga", reopened.json().get("user").asText());
            });
        } finally {
            whoami.stop(0);
        }
    }

    /** A dbevent may carry the whole row: without {@code legacy.bridge.tables}, a bridge page watches nothing. */
    @Test
    void aBridgePageWatchesNoTableThatIsNotListed() {
        Browser browser = new Browser(uri);
        browser.get("/app/login?user=max");
        Reply refused = browser.post("/_/pages", Json.object().put("path", "/_legacy").set("params", Json.object()
                .put("legacy_page_id", "p1").set("tables", Json.array().add("orders"))));
        assertError(refused, 403, "forbidden");
        Reply empty = browser.post("/_/pages", Json.object().put("path", "/_legacy").set("params", Json.object()
                .put("legacy_page_id", "p1").set("tables", Json.array())));
        assertEquals(201, empty.status(), "notifications and broadcasts still reach it: " + empty.body());
    }

    @Test
    void aSessionConfigWithoutCookieOrIntrospectionStopsStartup() {
        for (String key : new String[] {"legacy.session.cookie", "legacy.session.introspect"}) {
            Map<String, String> config = new HashMap<>(config(Map.of()));
            config.put(key, "");
            assertThrows(IllegalArgumentException.class, () -> TestServers.resident(config, new PageTypes()), key);
        }
        Map<String, String> unknownMode = new HashMap<>(config(Map.of()));
        unknownMode.put("resident.auth.mode", "ldap");
        assertThrows(IllegalArgumentException.class, () -> TestServers.resident(unknownMode, new PageTypes()));
    }

    private static Map<String, String> config(Map<String, String> overrides) {
        Map<String, String> config = new HashMap<>(Map.of(
                "legacy.upstream", legacy.url(),
                "resident.auth.mode", "legacy-session",
                "legacy.session.cookie", "legacy_sid",
                "legacy.session.introspect", "/app/whoami"));
        config.putAll(overrides);
        return config;
    }

    /** The user of the page, as the request's connection now is. */
    private static String user(Browser browser, String pageId) {
        Reply snapshot = browser.get("/_/page?page_id=" + pageId);
        assertEquals(200, snapshot.status(), snapshot.body());
        return snapshot.json().get("user").asText();
    }

    private static int whoamiCalls(Browser browser) {
        return browser.get("/app/whoami-calls").json().get("calls").asInt();
    }

    private static Reply admin(Browser browser, String path, JsonNode body) {
        return browser.send(HttpRequest.newBuilder(browser.base().resolve(path))
                .header("Authorization", "Bearer " + TestServers.ADMIN_TOKEN)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(Json.write(body))));
    }

    private static void respond(HttpExchange exchange, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    private static boolean await(CountDownLatch latch) {
        try {
            return latch.await(20, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static Reply get(Future<Reply> reply) {
        try {
            return reply.get(40, TimeUnit.SECONDS);
        } catch (InterruptedException | ExecutionException | TimeoutException e) {
            throw new IllegalStateException(e);
        }
    }

    private static InetAddress address(String literal) {
        try {
            return InetAddress.getByName(literal);
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void onAnotherServer(Map<String, String> overrides, Consumer<Browser> test) {
        Resident other = TestServers.resident(config(overrides), new PageTypes());
        WebServer server = WebServer.builder().host("127.0.0.1").port(0).update(other::setup).build().start();
        try {
            test.accept(new Browser(URI.create("http://127.0.0.1:" + server.port())));
        } finally {
            server.stop();
            other.close();
        }
    }
}
