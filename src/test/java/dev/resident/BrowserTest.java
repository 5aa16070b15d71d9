package dev.resident;

import dev.resident.support.Browser;
import dev.resident.support.Chrome;
import dev.resident.support.DemoTab;
import dev.resident.support.TestServers;
import io.helidon.webserver.WebServerConfig;
import io.helidon.webserver.testing.junit5.ServerTest;
import io.helidon.webserver.testing.junit5.SetUpServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The demo and {@code /_/resident.js} end to end in headless Chromium: two browsers with their
 * own sessions log in as two users and see each other's changes and messages, a lost socket
 * resumes without losing what was sent meanwhile, long-poll takes over when WebSocket is refused,
 * and a background export goes on across a reload of its tab.
 */
@ServerTest
@Tag("slow")
@Timeout(120)
class BrowserTest {
    /** Small, so that a short absence already outruns the page's message history. */
    private static final int HISTORY = 5;
    private static Resident resident;
    private static Chrome aliceBrowser;
    private static Chrome bobBrowser;
    private final URI uri;

    BrowserTest(URI uri) {
        this.uri = uri;
    }

    @SetUpServer
    static void setup(WebServerConfig.Builder server) {
        resident = TestServers.demo(server, Map.of("resident.pages.history.max-messages", Integer.toString(HISTORY)));
    }

    @BeforeAll
    static void startBrowsers() {
        aliceBrowser = Chrome.start();
        bobBrowser = Chrome.start();
    }

    @AfterAll
    static void close() {
        try (Chrome alice = aliceBrowser; Chrome bob = bobBrowser) {
            resident.close();
        }
    }

    @Test
    void orderMadeInOneBrowserShowsInTheOther() {
        DemoTab alice = DemoTab.open(aliceBrowser, uri, "alice");
        DemoTab bob = DemoTab.open(bobBrowser, uri, "bob");

        bob.createOrder("Hedy Lamarr", "Frequency hopping radio", 3);
        long id = alice.awaitOrder("Hedy Lamarr");
        alice.setStatus(id, "paid");
        bob.awaitStatus(id, "paid");
        assertEquals("online · websocket", alice.connectionText());
    }

    @Test
    void noticeReachesEveryTabOfTheUser() throws IOException {
        DemoTab bob = DemoTab.open(bobBrowser, uri, "bob");
        DemoTab bobAgain = bob.openAnotherTab(uri);
        try {
            DemoTab alice = DemoTab.open(aliceBrowser, uri, "alice");
            alice.createOrder("Radia Perlman", "Spanning tree poems", 2);
            alice.sendNotice("bob", "Can you ship order Perlman today?");
            bob.awaitNotice("alice", "Can you ship order Perlman today?");
            bobAgain.awaitNotice("alice", "Can you ship order Perlman today?");
            bob.awaitOrder("Radia Perlman");
            saveScreenshot(bob);
        } finally {
            bobAgain.close();
        }
    }

    @Test
    void lostSocketShowsReconnectingThenResumesWithoutLosingADbevent() {
        DemoTab alice = DemoTab.open(aliceBrowser, uri, "alice");
        DemoTab bob = DemoTab.open(bobBrowser, uri, "bob");
        alice.refuseWebSockets(true); // holds the reconnect back while bob's change goes out
        try {
            closeSocketAsAdmin(alice.pageId());
            alice.awaitConnection("reconnecting");
            bob.createOrder("Frances Allen", "Optimizing compiler", 1);
            bob.awaitOrder("Frances Allen");
            assertFalse(alice.hasOrder("Frances Allen"), "alice was away when the order was made");
        } finally {
            alice.refuseWebSockets(false);
        }
        alice.awaitConnection("online");
        alice.awaitOrder("Frances Allen");
        assertEquals("online · websocket", alice.connectionText());
    }

    @Test
    void longAbsenceReloadsTheBoard() {
        DemoTab alice = DemoTab.open(aliceBrowser, uri, "alice");
        DemoTab bob = DemoTab.open(bobBrowser, uri, "bob");
        alice.refuseWebSockets(true);
        try {
            closeSocketAsAdmin(alice.pageId());
            alice.awaitConnection("reconnecting");
            for (int i = 0; i <= HISTORY; i++) {
                bob.createOrder("Customer " + i, "Punch cards", 100 + i);
                bob.awaitOrder("Customer " + i);
            }
        } finally {
            alice.refuseWebSockets(false);
        }
        alice.awaitConnection("online");
        for (int i = 0; i <= HISTORY; i++) {
            alice.awaitOrder("Customer " + i); // more than the page kept: the client resynced and the demo reloaded
        }
    }

    @Test
    void browserOfflineShowsOfflineThenCatchesUpWhenBack() {
        DemoTab alice = DemoTab.open(aliceBrowser, uri, "alice");
        DemoTab bob = DemoTab.open(bobBrowser, uri, "bob");
        aliceBrowser.offline(true);
        try {
            alice.awaitConnection("offline");
            bob.createOrder("Jean Bartik", "ENIAC patch cords", 12);
            bob.awaitOrder("Jean Bartik");
        } finally {
            aliceBrowser.offline(false);
        }
        alice.awaitConnection("online");
        alice.awaitOrder("Jean Bartik");
    }

    @Test
    void anExportGoesOnAcrossAReloadOfTheTabAndEndsWithADownloadLink() {
        DemoTab alice = DemoTab.open(aliceBrowser, uri, "alice").load(uri, "/?export_step_ms=400");
        alice.startExport();
        long before = alice.awaitExportProgress(3);
        assertTrue(before < 20, "still running when the tab reloads: " + before);
        alice.reload();
        String resumed = alice.awaitExportState("running");
        assertTrue(resumed.startsWith("exporting"), resumed);
        assertTrue(alice.exportProgress() >= before, "the progress goes on from where it was");
        long later = alice.awaitExportProgress(before + 2);
        assertTrue(later > before);
        String text = alice.awaitExportState("done");
        assertTrue(text.startsWith("exported "), text);
        assertTrue(alice.exportLink().startsWith("blob:"), alice.exportLink());
    }

    @Test
    void longPollTakesOverWhenWebSocketIsRefused() {
        try (Chrome carolBrowser = Chrome.start()) {
            DemoTab carol = DemoTab.open(carolBrowser, uri).refuseWebSockets(true).login("carol");
            carol.awaitConnection("online");
            assertEquals("online · long-poll", carol.connectionText());

            DemoTab bob = DemoTab.open(bobBrowser, uri, "bob");
            bob.createOrder("Sophie Wilson", "ARM1 sample", 1);
            long id = carol.awaitOrder("Sophie Wilson");
            carol.setStatus(id, "shipped");
            bob.awaitStatus(id, "shipped");
            bob.sendNotice("carol", "Thanks!");
            carol.awaitNotice("bob", "Thanks!");
        }
    }

    /** Drops the page's socket from the server side, as the admin view's disconnect button does. */
    private void closeSocketAsAdmin(String pageId) {
        Browser admin = new Browser(uri);
        assertEquals(200, admin.login("alice", "alice").status());
        Browser.Reply reply = admin.send(HttpRequest.newBuilder(uri.resolve("/_/admin/pages/" + pageId + "/socket")).DELETE());
        assertEquals(204, reply.status(), reply.body());
    }

    /** Kept under target/ for a look at what the test saw (docs/demo.png is taken from it). */
    private static void saveScreenshot(DemoTab tab) throws IOException {
        Files.write(Path.of("target", "demo.png"), tab.screenshot());
    }
}
