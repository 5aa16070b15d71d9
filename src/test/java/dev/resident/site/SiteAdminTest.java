package dev.resident.site;

import com.fasterxml.jackson.databind.JsonNode;
import dev.resident.json.Json;
import dev.resident.support.Browser;
import dev.resident.support.Browser.Reply;
import dev.resident.support.Eventually;
import dev.resident.support.NatsSite;
import dev.resident.support.NatsSite.Node;
import dev.resident.support.NatsTestServer;
import dev.resident.support.SocketClient;
import dev.resident.support.TestUsers;
import io.nats.client.Connection;
import io.nats.client.Dispatcher;
import io.nats.client.Nats;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.StreamSupport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The site-wide admin view: three processes over a real nats-server whose site user may use only
 * the site's subjects; the admin logs in on p01 and sees and acts on the pages of all three.
 */
@Tag("slow")
@Timeout(60)
class SiteAdminTest {
    private static final Duration WAIT = Duration.ofSeconds(15);
    private static final Duration DEADLINE = Duration.ofSeconds(1);
    private static final String ADMIN = "root";
    private static final String MALFORMED = "resident_admin_malformed_total";
    private NatsTestServer nats;
    private NatsSite site;
    private final Map<String, Node> nodes = new TreeMap<>();
    private Browser admin;

    @BeforeEach
    void start() {
        nats = new NatsTestServer("-c", natsConfig().toString());
        Map<String, String> config = new java.util.HashMap<>(TestUsers.config(true, List.of(ADMIN, "dana")));
        config.put("ipc.nats.user", "site");
        config.put("ipc.nats.password", "s3cret");
        // above the default, so that a process slowed down by a busy machine still answers in time
        config.put("resident.admin.deadline", DEADLINE.toMillis() + "ms");
        // this NATS has no JetStream and the site's user may not ask for it: the task lane's setup,
        // which each start waits for, can only time out (2 s a process by default), so it is told early
        config.put("resident.tasks.nats-timeout", "200ms");
        site = new NatsSite(nats, config);
        for (String process : List.of("p01", "p02", "p03")) {
            nodes.put(process, site.start(process));
        }
        Eventually.await(WAIT, "all ready", () -> nodes.values().stream().allMatch(Node::ready));
        admin = nodes.get("p01").browser();
        assertEquals(200, admin.login(ADMIN, TestUsers.PASSWORD).status());
        Eventually.await(WAIT, "p01's admin view sees the three processes up",
                () -> statuses(state()).equals(Map.of("p01", "up", "p02", "up", "p03", "up")));
    }

    /**
     * The site's user may use only the site's subjects; another user of the same NATS may use
     * everything but them.
     */
    private static Path natsConfig() {
        try {
            Path config = Files.createTempFile("nats-site-admin", ".conf");
            Files.writeString(config, """
                    authorization {
                      users = [
                        { user: site, password: s3cret,
                          permissions: { publish: "%1$s.>", subscribe: "%1$s.>" } }
                        { user: other, password: other,
                          permissions: { publish: { deny: "%1$s.>" }, subscribe: { deny: "%1$s.>" } } }
                      ]
                    }
                    """.formatted(NatsSite.PREFIX));
            config.toFile().deleteOnExit();
            return config;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @AfterEach
    void stop() {
        if (site != null) {
            site.close();
        }
        if (nats != null) {
            nats.close();
        }
    }

    @Test
    void theStateShowsThePagesOfEveryProcessEachWithItsProcess() {
        Map<String, String> pages = new TreeMap<>();
        nodes.forEach((process, node) -> {
            Browser dana = node.browser();
            assertEquals(200, dana.login("dana", TestUsers.PASSWORD).status());
            pages.put(process, dana.benchPage("orders"));
        });
        JsonNode state = state();
        pages.forEach((process, pageId) -> {
            JsonNode row = row(state.get("pages"), "page_id", pageId);
            assertEquals(process, row.get("process").asText());
            assertEquals("dana", row.get("user").asText());
            assertEquals("[\"orders\"]", row.get("tables").toString());
        });
        Set<String> userProcesses = new TreeSet<>();
        state.get("users").forEach(user -> {
            if (user.get("user").asText().equals("dana")) {
                userProcesses.add(user.get("process").asText());
            }
        });
        assertEquals(nodes.keySet(), userProcesses, "a user row per process");
        long pagesOnProcesses = 0;
        for (JsonNode process : state.get("processes")) {
            assertEquals("up", process.get("status").asText());
            assertTrue(process.get("ready").asBoolean(), process.toString());
            assertEquals("connected", process.get("bus").asText());
            assertTrue(process.get("uptime_s").asLong() >= 0);
            assertFalse(process.get("version").asText().isEmpty());
            pagesOnProcesses += process.get("counts").get("pages").asLong();
        }
        assertEquals(3, pagesOnProcesses);
        assertEquals(3, state.get("counts").get("pages").asLong(), "counts add up over the site");
    }

    @Test
    void actionsGoToTheProcessThatOwnsThePage() {
        Browser onP02 = nodes.get("p02").browser();
        String pageOnP02 = onP02.benchPage();
        SocketClient socketOnP02 = onP02.socket(pageOnP02);
        socketOnP02.next("hello");
        Browser onP03 = nodes.get("p03").browser();
        String pageOnP03 = onP03.benchPage();
        SocketClient socketOnP03 = onP03.socket(pageOnP03);
        socketOnP03.next("hello");

        assertEquals(204, delete("/_/admin/pages/" + pageOnP03 + "/socket").status());
        assertEquals(1001, socketOnP03.closeCode(), "p03 closed its socket");
        assertTrue(nodes.get("p03").resident().registry().anyPage(pageOnP03).isPresent(), "the page stays");
        assertError(delete("/_/admin/pages/" + pageOnP03 + "/socket"), 404, "no_socket");

        assertEquals(204, delete("/_/admin/pages/" + pageOnP02).status());
        assertEquals(4404, socketOnP02.closeCode(), "p02 dropped its page");
        assertFalse(nodes.get("p02").resident().registry().anyPage(pageOnP02).isPresent());
        assertError(delete("/_/admin/pages/" + pageOnP02), 404, "unknown_page");
        assertError(delete("/_/admin/pages/AAAAAAAAAAAAAAAAAAAAAA%7Cp77"), 404, "unknown_page");
        // a process name longer than a bus subject takes: no process has it (it was a 500)
        assertError(delete("/_/admin/pages/AAAAAAAAAAAAAAAAAAAAAA%7C" + "%E2%82%AC".repeat(70)), 404, "unknown_page");
    }

    /**
     * A process whose pages watch many tables (a dashboard page type watching 64 tables of long
     * names) holds more than NATS carries in one message (1 MB by default) in its 500 rows: it must
     * still answer the site's view, with fewer rows and complete counts. Before, its reply was
     * refused by the NATS client unsent, and the view listed a process that was up as missing,
     * with none of its pages, on every refresh.
     */
    @Test
    void aProcessWithMoreRowsThanOneNatsMessageCarriesIsStillShownUp() {
        List<String> tables = java.util.stream.IntStream.range(0, 64)
                .mapToObj(i -> "accounting.%02d.".formatted(i) + "x".repeat(140)).toList();
        Node p04 = site.start("p04", new dev.resident.page.PageTypes().register(dev.resident.page.PageType
                .builder("/dashboard", (page, params) -> {
                    tables.forEach(page::subscribe);
                    return new Object();
                }).build()));
        Eventually.await(WAIT, "p04 ready", p04::ready);
        int opened = 0;
        for (int guest = 0; guest < 2; guest++) {
            Browser browser = p04.browser();
            for (int i = 0; i < 64; i++) {
                assertEquals(201, browser.post("/_/pages", "{\"path\":\"/dashboard\"}").status());
                opened++;
            }
        }
        int pages = opened;
        Eventually.await(WAIT, "p01's view shows p04 up with its pages",
                () -> "up".equals(statuses(state()).get("p04")));
        JsonNode state = state();
        assertEquals(pages, row(state.get("processes"), "process", "p04").get("counts").get("pages").asInt(),
                "its counts are complete");
        assertTrue(StreamSupport.stream(state.get("pages").spliterator(), false)
                .anyMatch(row -> row.get("process").asText().equals("p04")), "some of its rows are shown");
    }

    @Test
    void drainingAnotherProcessTurnsItsReadyDownAndAnUnknownOneIs404() {
        assertError(drain("p77"), 404, "unknown_process");
        assertError(drain("%C3%A9".repeat(120)), 404, "unknown_process"); // longer than a bus subject takes: was a 500
        Browser onP03 = nodes.get("p03").browser();
        String pageId = onP03.benchPage();
        SocketClient socket = onP03.socket(pageId);
        socket.next("hello");

        assertEquals(204, drain("p03").status());
        assertFalse(nodes.get("p03").ready(), "ready is DOWN: a proxy sends it no new browsers");
        JsonNode p03 = row(state().get("processes"), "process", "p03");
        assertTrue(p03.get("draining").asBoolean());
        assertTrue(nodes.get("p02").ready(), "the others go on");
        // the browsers it has go on until it stops: their page ids bring them back here
        socket.send(Json.object().put("t", "rpc").put("id", 1).put("method", "inc"));
        assertEquals(1, socket.next("result").path("result").asInt(), "its socket stays");
        socket.close();
        SocketClient again = onP03.socket(pageId);
        assertEquals("hello", again.next().path("t").asText(), "a socket that comes back is taken: " + again);
        assertEquals(201, onP03.post("/_/pages", "{\"path\":\"/_bench\"}").status(), "and a tab it holds may load again");
    }

    @Test
    void aStoppedProcessIsShownAsMissingWithoutWaitingForIt() {
        String pageOnP02 = nodes.get("p02").browser().benchPage();
        Node p02 = nodes.get("p02");
        p02.server().stop();
        p02.resident().close();

        long start = System.nanoTime();
        JsonNode state = state();
        long millis = (System.nanoTime() - start) / 1_000_000;
        assertEquals(Map.of("p01", "up", "p02", "missing", "p03", "up"), statuses(state));
        assertTrue(millis < DEADLINE.toMillis() + 1500,
                "answered in " + millis + " ms: a missing process is waited for no longer than the deadline");
        assertTrue(StreamSupport.stream(state.get("pages").spliterator(), false)
                .noneMatch(row -> row.get("page_id").asText().equals(pageOnP02)));
        assertError(delete("/_/admin/pages/" + pageOnP02), 503, "unavailable");
        assertError(drain("p02"), 503, "unavailable");
    }

    /** A stop's drain (a deploy retiring it) says so: the others forget it at once rather than list it missing for minutes. */
    @Test
    void aProcessStoppedByItsDrainLeavesTheViewAtOnce() {
        assertEquals(Map.of("p01", "up", "p02", "up", "p03", "up"), statuses(state()));
        Node p02 = nodes.get("p02");
        p02.resident().drainAndStop(p02.server());
        Eventually.await(WAIT, "p02 gone from p01's view, not missing",
                () -> statuses(state()).equals(Map.of("p01", "up", "p03", "up")));
    }

    @Test
    void malformedAdminMessagesAreIgnoredAndCounted() throws Exception {
        Node p01 = nodes.get("p01");
        Node p02 = nodes.get("p02");
        double beforeOnP02 = p02.counter(MALFORMED);
        io.nats.client.Options options = new io.nats.client.Options.Builder().server(nats.url())
                .userInfo("site".toCharArray(), "s3cret".toCharArray()).build();
        byte[] garbage = "{\"v\":1,\"process\":\"p09\",\"state\":[]}".getBytes(StandardCharsets.UTF_8);
        try (Connection rogue = Nats.connect(options)) {
            // a member of the site, p09, that answers everything with garbage
            Dispatcher dispatcher = rogue.createDispatcher(message -> rogue.publish(message.getReplyTo(), garbage));
            dispatcher.subscribe(NatsSite.PREFIX + ".admin.state");
            dispatcher.subscribe(NatsSite.PREFIX + ".admin.process.p09");
            rogue.flush(Duration.ofSeconds(5));
            rogue.publish(NatsSite.PREFIX + ".admin.hello",
                    "{\"v\":1,\"process\":\"p09\",\"answer\":true}".getBytes(StandardCharsets.UTF_8));
            Eventually.await(WAIT, "p01 knows p09, whose garbage leaves it missing", () -> statuses(state())
                    .equals(Map.of("p01", "up", "p02", "up", "p03", "up", "p09", "missing")));

            double before = p01.counter(MALFORMED);
            assertError(delete("/_/admin/pages/AAAAAAAAAAAAAAAAAAAAAA%7Cp09"), 503, "unavailable");
            assertEquals(before + 1, p01.counter(MALFORMED), "the malformed action reply is counted");
            // and requests that are not admin requests
            rogue.publish(NatsSite.PREFIX + ".admin.process.p02", "not json".getBytes(StandardCharsets.UTF_8));
            rogue.publish(NatsSite.PREFIX + ".admin.process.p02",
                    "{\"v\":1,\"from\":\"x\",\"action\":\"rm\"}".getBytes(StandardCharsets.UTF_8));
            Eventually.await(WAIT, "p02 counts both", () -> p02.counter(MALFORMED) >= beforeOnP02 + 2);
        }
        assertTrue(nodes.get("p02").ready());
    }

    @Test
    void aClientWithoutTheSitesCredentialsCannotReachTheAdminSubjects() throws Exception {
        io.nats.client.Options options = new io.nats.client.Options.Builder().server(nats.url())
                .userInfo("other".toCharArray(), "other".toCharArray()).errorListener(new io.nats.client.ErrorListener() {
                }).build();
        try (Connection other = Nats.connect(options)) {
            other.publish(NatsSite.PREFIX + ".admin.process.p02",
                    "{\"v\":1,\"from\":\"p09\",\"action\":\"drain\"}".getBytes(StandardCharsets.UTF_8));
            other.flush(Duration.ofSeconds(5)); // the server has refused it by now
            assertTrue(other.getLastError() == null || other.getLastError().contains("Permissions Violation"),
                    other.getLastError());
        }
        JsonNode p02 = row(state().get("processes"), "process", "p02");
        assertFalse(p02.get("draining").asBoolean(), "p02 was not drained");
        assertTrue(nodes.get("p02").ready());
    }

    private JsonNode state() {
        Reply reply = admin.get("/_/admin/state");
        assertEquals(200, reply.status(), reply.body());
        return reply.json();
    }

    private Reply delete(String path) {
        return admin.send(HttpRequest.newBuilder(admin.base().resolve(path.replace("|", "%7C"))).DELETE());
    }

    private Reply drain(String process) {
        return admin.send(HttpRequest.newBuilder(admin.base().resolve("/_/admin/processes/" + process + "/drain"))
                .POST(HttpRequest.BodyPublishers.noBody()));
    }

    private static Map<String, String> statuses(JsonNode state) {
        Map<String, String> statuses = new TreeMap<>();
        state.get("processes").forEach(p -> statuses.put(p.get("process").asText(), p.get("status").asText()));
        return statuses;
    }

    private static JsonNode row(JsonNode rows, String field, String value) {
        return StreamSupport.stream(rows.spliterator(), false)
                .filter(row -> row.get(field).asText().equals(value))
                .findFirst().orElseThrow(() -> new AssertionError(value + " not in " + rows));
    }

    private static void assertError(Reply reply, int status, String code) {
        assertEquals(status, reply.status(), reply.body());
        assertEquals(code, reply.errorCode(), reply.body());
    }
}
