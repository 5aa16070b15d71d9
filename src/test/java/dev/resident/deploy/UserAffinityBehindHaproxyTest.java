package dev.resident.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.resident.support.Browser;
import dev.resident.support.Haproxy;
import dev.resident.support.NatsSite;
import dev.resident.support.NatsSite.Node;
import dev.resident.support.NatsTestServer;
import dev.resident.support.TestUsers;
import dev.resident.web.AffinityCookie;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * User affinity as {@code deploy/site --processes 3} runs it: three processes over a real
 * nats-server behind the real HAProxy with the configuration {@code deploy/haproxy-config 3}
 * generates. After login all of a user's browsers land on the process that consistent hashing of
 * the {@code rsd_aff} cookie picks, and move together when it stops. The cookie is an HMAC of the
 * user name under the site's {@code AFFINITY_KEY}, which HAProxy computes from a login's body too.
 */
@Timeout(90)
class UserAffinityBehindHaproxyTest {
    /** Users whose affinity values (under {@link #AFFINITY_KEY}) HAProxy's consistent hashing puts on three different processes. */
    private static final List<String> USERS = List.of("ada", "linus", "barbara");
    /** The site's key of the rsd_aff HMAC (base64), given to the processes and to HAProxy. */
    private static final String AFFINITY_KEY = "dGhlIHRlc3Qgc2l0ZSdzIGFmZmluaXR5IGtleQ==";
    private NatsTestServer nats;
    private NatsSite site;
    private Map<String, Node> nodes;
    private Haproxy haproxy;

    @BeforeEach
    void startSite() {
        nats = new NatsTestServer();
        Map<String, String> config = new java.util.HashMap<>(TestUsers.config(true, USERS)); // ada is an admin
        config.put("resident.login.affinity-key", AFFINITY_KEY);
        site = new NatsSite(nats, config);
        nodes = new TreeMap<>(Map.of("p01", site.start("p01"), "p02", site.start("p02"), "p03", site.start("p03")));
        // checks every 500 ms: a process that a busy machine's slow check marks DOWN would move its users
        haproxy = new Haproxy(List.copyOf(nodes.values()), Duration.ofMillis(500), Map.of("AFFINITY_KEY", AFFINITY_KEY));
    }

    @AfterEach
    void stopSite() {
        if (haproxy != null) {
            haproxy.close();
        }
        if (site != null) {
            site.close();
        }
        if (nats != null) {
            nats.close();
        }
    }

    @Test
    void twoBrowsersOfOneUserLandOnTheSameProcess() {
        Browser first = haproxy.browser();
        String guestPage = first.benchPage(); // a guest first: stuck to whichever process served it
        Browser second = haproxy.browser();
        second.benchPage();
        String process = login(first, "ada");
        assertEquals(process, login(second, "ada"), "the second browser logs in where the first did");
        Set<String> processes = new TreeSet<>();
        for (Browser browser : List.of(first, second)) {
            for (int tab = 0; tab < 3; tab++) {
                String pageId = browser.benchPage();
                processes.add(processOf(pageId));
                assertTrue(residentIn(processOf(pageId), pageId), pageId);
                assertEquals("ada", nodes.get(processOf(pageId)).resident().registry().anyPage(pageId)
                        .orElseThrow().user(), "logged in there");
            }
        }
        assertEquals(Set.of(process), processes, "every tab of both browsers on one process");
        assertEquals(new AffinityCookie(AFFINITY_KEY).value("ada"), cookie(first, AffinityCookie.NAME));
        assertNotEquals(new AffinityCookie("").value("ada"), cookie(first, AffinityCookie.NAME), "keyed, not a plain hash");
        assertTrue(residentIn(processOf(guestPage), guestPage), "the guest page stays where it was");
    }

    @Test
    void aBrowserWithOnlyTheRouteCookieGoesWhereItsUsersLoginWent() {
        for (String user : USERS) {
            Browser loggedIn = haproxy.browser();
            String process = login(loggedIn, user);
            Browser returning = haproxy.browser(); // a new session, the route cookie kept from an earlier login
            returning.setCookie(AffinityCookie.NAME, cookie(loggedIn, AffinityCookie.NAME));
            assertEquals(process, processOf(returning.benchPage()),
                    user + ": HAProxy's HMAC of the login and Resident's cookie agree");
        }
    }

    @Test
    void threeUsersSpreadOverTheThreeProcesses() {
        Map<String, String> processOfUser = new TreeMap<>();
        for (String user : USERS) {
            Browser browser = haproxy.browser();
            processOfUser.put(user, login(browser, user));
            assertEquals(processOfUser.get(user), processOf(browser.benchPage()), user);
        }
        assertEquals(nodes.keySet(), new TreeSet<>(processOfUser.values()), "one process each: " + processOfUser);
    }

    @Test
    void theAdminViewThroughHaproxyShowsThePagesOfTheThreeProcesses() {
        Map<String, String> pageOfUser = new TreeMap<>();
        Browser admin = null;
        for (String user : USERS) {
            Browser browser = haproxy.browser();
            login(browser, user);
            pageOfUser.put(user, browser.benchPage());
            admin = user.equals("ada") ? browser : admin;
        }
        JsonNode state = admin.get("/_/admin/state").json();
        Set<String> up = new TreeSet<>();
        state.get("processes").forEach(process -> {
            if (process.get("status").asText().equals("up")) {
                up.add(process.get("process").asText());
            }
        });
        assertEquals(nodes.keySet(), up);
        Set<String> processes = new TreeSet<>();
        for (JsonNode row : state.get("pages")) {
            if (pageOfUser.containsValue(row.get("page_id").asText())) {
                assertEquals(processOf(row.get("page_id").asText()), row.get("process").asText());
                processes.add(row.get("process").asText());
            }
        }
        assertEquals(nodes.keySet(), processes, "the pages of all three processes: " + pageOfUser + " in " + state);
    }

    @Test
    void aUsersNewPagesMoveToTheNextProcessWhenTheirsStops() {
        Browser first = haproxy.browser();
        String before = login(first, "linus");
        assertEquals(before, processOf(first.benchPage()));
        Node stopped = nodes.get(before);
        stopped.resident().drainAndStop(stopped.server());
        haproxy.awaitStatus(before, "DOWN");

        // the browser's login went with its process: it logs in again, as the client does after a 4404
        String after = login(first, "linus");
        assertNotEquals(before, after, "moved off the stopped process");
        assertEquals(after, processOf(first.benchPage()));
        Browser second = haproxy.browser();
        assertEquals(after, login(second, "linus"), "a new browser of the user follows");
        assertEquals(after, processOf(second.benchPage()));
        for (String other : USERS) {
            if (!other.equals("linus")) {
                Browser browser = haproxy.browser();
                String process = login(browser, other);
                assertNotEquals(before, process);
            }
        }
    }

    /** Logs the browser in and returns the process that did it: the one its next page goes to. */
    private String login(Browser browser, String user) {
        assertEquals(200, browser.login(user, TestUsers.PASSWORD).status(), user);
        String probe = browser.benchPage();
        browser.post("/_/close", "{\"page_id\":\"" + probe.replace("\\", "\\\\") + "\"}");
        return processOf(probe);
    }

    private boolean residentIn(String process, String pageId) {
        return nodes.get(process).resident().registry().anyPage(pageId).isPresent();
    }

    private static String cookie(Browser browser, String name) {
        return browser.cookie(name);
    }

    private static String processOf(String pageId) {
        return pageId.substring(pageId.lastIndexOf('|') + 1);
    }
}
