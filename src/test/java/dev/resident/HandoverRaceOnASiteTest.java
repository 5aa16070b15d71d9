package dev.resident;

import com.fasterxml.jackson.databind.JsonNode;
import dev.resident.json.Json;
import dev.resident.page.PageType;
import dev.resident.page.PageTypes;
import dev.resident.support.Browser;
import dev.resident.support.Browser.Reply;
import dev.resident.support.CuttableLink;
import dev.resident.support.Eventually;
import dev.resident.support.NatsSite;
import dev.resident.support.NatsTestServer;
import io.nats.client.Connection;
import io.nats.client.KeyValue;
import io.nats.client.Nats;
import io.nats.client.api.KeyValueEntry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Two handovers of one session id at once on two processes of a site: a login on p01 and a logout
 * (or another login) with the same cookie on p02, which read the session before p01 replaced its
 * id. Made deterministic by p02's link to NATS being cut while p01 hands the session over (p02
 * misses the bus's word of it, as a process does whose message is still on its way) and p02
 * rechecking a session only once an hour: p02 acts on the session as it last read it, as it does
 * with the default recheck when both requests come within moments. Only one of the two may take
 * the session: before, both did, and the store held two live session ids for one connection, the
 * second sharing the first's connection (and, for two logins of a guest's session, its tenure and
 * so its {@code Store}).
 */
@Timeout(120)
class HandoverRaceOnASiteTest {
    private static final Pattern SESSION_COOKIE = Pattern.compile("rsd_cid=([A-Za-z0-9_-]+)");
    private static final String SESSIONS_SUBJECT = NatsSite.PREFIX + ".system.sessions";

    /**
     * Alice's browser logs in as bob (p01) and out (p02) at once. The logout read her session
     * before bob's login replaced its id: it must not give the session a second id beside bob's.
     */
    @Test
    void aLogoutOnAProcessThatHadNotHeardOfTheLoginLeavesBobsSessionTheOnlyOne() throws Exception {
        try (NatsTestServer nats = new NatsTestServer("-js"); CuttableLink link = new CuttableLink(nats.url());
             NatsSite site = site(nats); Connection client = Nats.connect(nats.url())) {
            Held held = heldByBothThenP02CutOff(nats, link, site, "alice");
            NatsSite.Node p01 = held.p01();
            String hers = held.session();
            Reply login = session(p01, hers).login("bob", "bob");
            assertEquals(200, login.status(), login.body());
            String bobs = sessionSet(login);
            mend(nats, link, held.p02());
            Reply logout = session(held.p02(), hers).post("/_/logout", "");

            Browser bob = session(p01, bobs);
            String bobsPage = bob.openPage("/desk", null).get("page_id").asText();
            String logoutsId = sessionSetOrNull(logout);
            if (logoutsId != null) {
                session(p01, logoutsId).openPage("/desk", null); // what the logout's answer gave its browser
            }
            Reply user = bob.rpc(bobsPage, "user", null, null);
            assertEquals(200, user.status(), "bob's page is his after the logout's answer was used: " + user.body());
            assertEquals("bob", user.json().path("result").asText(), user.body());
            assertEquals(List.of(bobs), liveSessionIds(client, connectionKey(client, bobs)),
                    "the session has one live id, bob's (the logout answered " + logout.status() + ")");
        }
    }

    /**
     * The same the other way round: the logout on p01 comes first, and the login on p02 read the
     * session before it. Bob is logged in (a login of an id replaced moments ago gets a session of
     * its own, as on one process), never into the connection the guest after alice holds.
     */
    @Test
    void aLoginOnAProcessThatHadNotHeardOfTheLogoutGetsASessionOfItsOwn() throws Exception {
        try (NatsTestServer nats = new NatsTestServer("-js"); CuttableLink link = new CuttableLink(nats.url());
             NatsSite site = site(nats); Connection client = Nats.connect(nats.url())) {
            Held held = heldByBothThenP02CutOff(nats, link, site, "alice");
            NatsSite.Node p02 = held.p02();
            String hers = held.session();
            Reply logout = session(held.p01(), hers).post("/_/logout", "");
            assertEquals(204, logout.status(), logout.body());
            String guests = sessionSet(logout);
            mend(nats, link, p02);
            Reply login = session(p02, hers).login("bob", "bob");
            assertEquals(200, login.status(), login.body());
            String bobs = sessionSet(login);

            String guestsKey = connectionKey(client, guests);
            assertEquals(List.of(guests), liveSessionIds(client, guestsKey), "the guest's session has one live id");
            assertNotEquals(guestsKey, connectionKey(client, bobs), "bob's login took the guest's connection");
            Browser bob = session(p02, bobs);
            assertEquals("bob", bob.rpc(bob.openPage("/desk", null).get("page_id").asText(), "user", null, null)
                    .json().path("result").asText());
        }
    }

    /**
     * A guest's session logs in as bob on p01 and as carol on p02 at once (one of them fixed the
     * other's session id): a guest's login keeps the session's tenure, so the loser, had it
     * succeeded as well, would share bob's connection {@code Store} and read what his page wrote.
     */
    @Test
    void twoLoginsOfAGuestsSessionAtOnceShareNothing() throws Exception {
        try (NatsTestServer nats = new NatsTestServer("-js"); CuttableLink link = new CuttableLink(nats.url());
             NatsSite site = site(nats); Connection client = Nats.connect(nats.url())) {
            Held held = heldByBothThenP02CutOff(nats, link, site, null);
            NatsSite.Node p01 = held.p01();
            NatsSite.Node p02 = held.p02();
            String fixed = held.session();
            Reply bobsLogin = session(p01, fixed).login("bob", "bob");
            assertEquals(200, bobsLogin.status(), bobsLogin.body());
            Browser bob = session(p01, sessionSet(bobsLogin));
            String bobsPage = bob.openPage("/desk", null).get("page_id").asText();
            assertEquals(200, bob.rpc(bobsPage, "put", Json.object().put("key", "card").put("value", "bob's card"),
                    null).status());
            mend(nats, link, p02);
            Reply carolsLogin = session(p02, fixed).login("carol", "carol");
            assertEquals(200, carolsLogin.status(), carolsLogin.body());
            Browser carol = session(p02, sessionSet(carolsLogin));

            String carolsPage = carol.openPage("/desk", null).get("page_id").asText();
            Reply read = carol.rpc(carolsPage, "get", Json.object().put("key", "card"), null);
            assertEquals(200, read.status(), read.body());
            assertTrue(read.json().get("result").isNull(), "carol reads bob's connection store: " + read.body());
            String bobsKey = connectionKey(client, bob.connectionId());
            assertEquals(List.of(bob.connectionId()), liveSessionIds(client, bobsKey), "bob's session has one live id");
        }
    }

    private static NatsSite site(NatsTestServer nats) {
        // a recheck an hour away: p02 learns of a handover elsewhere only from the bus or a request
        return new NatsSite(nats, Map.of("resident.state.store", "nats", "resident.state.snapshot-interval", "100ms",
                "resident.state.recheck", "1h"));
    }

    /** p01 and p02 of the site, and the session id both hold. */
    private record Held(NatsSite.Node p01, NatsSite.Node p02, String session) {
    }

    /**
     * Starts p01 and p02 (p02 reaching NATS over {@code link}), gives a new browser a session on p01
     * (logged in as {@code user}, a guest's for null) that p02 holds too, then cuts p02's link and
     * waits until NATS has dropped p02's subscription to the sessions subject: from here p02 misses
     * the bus's word of a handover on p01.
     */
    private static Held heldByBothThenP02CutOff(NatsTestServer nats, CuttableLink link, NatsSite site, String user) {
        NatsSite.Node p01 = site.start("p01", desks());
        NatsSite.Node p02 = site.start("p02", desks(), Map.of("ipc.nats.url", link.url()));
        String session = newSession(p01, user);
        heldBy(p02, session);
        link.cut();
        nats.awaitSubscription(p02.natsName(), SESSIONS_SUBJECT, false);
        return new Held(p01, p02, session);
    }

    /** Mends p02's link and waits until p02 has subscribed again: what the bus said meanwhile stays unheard. */
    private static void mend(NatsTestServer nats, CuttableLink link, NatsSite.Node p02) {
        link.mend();
        nats.awaitSubscription(p02.natsName(), SESSIONS_SUBJECT, true);
    }

    /** A new browser's session id on {@code process}, logged in as {@code user} (a guest's for null), with a page open. */
    private static String newSession(NatsSite.Node process, String user) {
        Browser browser = process.browser();
        if (user != null) {
            Reply login = browser.login(user, user);
            assertEquals(200, login.status(), login.body());
        }
        browser.openPage("/desk", null);
        return browser.connectionId();
    }

    /** A request with session {@code id} reaches {@code process}, which holds the session from then on. */
    private static void heldBy(NatsSite.Node process, String id) {
        session(process, id).openPage("/desk", null);
        Eventually.await(Duration.ofSeconds(10), process.process() + " saved what it holds",
                () -> process.counter("resident_state_pending") == 0);
    }

    /** The connection key that session {@code id} names in the store. */
    private static String connectionKey(Connection client, String id) throws Exception {
        KeyValueEntry entry = client.keyValue(NatsSite.PREFIX + "_connections").get(id);
        assertTrue(entry != null && entry.getValue() != null, "session " + id + " is stored");
        return Json.parse(entry.getValue()).path("key").asText();
    }

    /** The session ids whose stored copies name connection {@code key} (marks of replaced ids name none). */
    private static List<String> liveSessionIds(Connection client, String key) throws Exception {
        KeyValue connections = client.keyValue(NatsSite.PREFIX + "_connections");
        List<String> ids = new ArrayList<>();
        for (String id : connections.keys().stream().distinct().toList()) {
            KeyValueEntry entry = connections.get(id);
            if (entry != null && entry.getValue() != null) {
                JsonNode record = Json.parse(entry.getValue());
                if (key.equals(record.path("key").asText())) {
                    ids.add(id);
                }
            }
        }
        return ids;
    }

    /** The browser holding session {@code id}, its requests sent to {@code process}. */
    private static Browser session(NatsSite.Node process, String id) {
        Browser browser = new Browser(process.uri());
        browser.useSession(id);
        return browser;
    }

    private static String sessionSet(Reply reply) {
        String id = sessionSetOrNull(reply);
        assertTrue(id != null, "a new session id: " + reply.headers());
        return id;
    }

    private static String sessionSetOrNull(Reply reply) {
        Matcher id = SESSION_COOKIE.matcher(String.valueOf(reply.headers().get("set-cookie")));
        return id.find() ? id.group(1) : null;
    }

    /** A page whose calls tell its user and read and write its connection's {@code Store}. */
    private static PageTypes desks() {
        return new PageTypes().register(PageType.<dev.resident.page.Page>builder("/desk", (page, params) -> page)
                .method("user", (page, params) -> page.user())
                .method("put", (page, params) -> {
                    page.connectionStore().put(params.string("key"), params.string("value"));
                    return true;
                })
                .method("get", (page, params) -> page.connectionStore().get(params.string("key")).orElse(null))
                .build());
    }
}
