package dev.resident;

import dev.resident.support.Chrome;
import dev.resident.support.DemoTab;
import dev.resident.support.Machine;
import dev.resident.support.MainProcess;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The demo in headless Chromium across restarts of the real server (the embedded state store): a
 * drain and a kill -9 leave the tab where it was, logged in, with its board, and no reload.
 */
@Tag("slow")
@Timeout(180)
class DemoRestartBrowserTest {

    @Test
    void theDemoSurvivesRestartsWithoutABrowserReload(@TempDir Path dir) throws Throwable {
        int port = Machine.freePort();
        Map<String, String> env = Map.of("PORT", Integer.toString(port), "DEMO", "true",
                "STATE_DIR", dir.resolve("state").toString(), "SNAPSHOT_INTERVAL", "100ms");
        URI site = URI.create("http://127.0.0.1:" + port);
        try (Chrome chrome = Chrome.start()) {
            MainProcess server = MainProcess.start(env, null, dir);
            List<MainProcess> started = new ArrayList<>(List.of(server));
            DemoTab tab;
            try {
                tab = DemoTab.open(chrome, site, "alice");
                String pageId = tab.pageId();
                tab.createOrder("Before Restart", "Gears", 2);
                tab.awaitOrder("Before Restart");
                chrome.driver().executeScript("window.residentTestMarker = 'still here'");

                assertEquals(0, server.stop(), "SIGTERM drains");
                tab.awaitConnection("reconnecting");
                server = MainProcess.start(env, null, dir);
                started.add(server);
                tab.awaitConnection("online");
                assertEquals(pageId, tab.pageId(), "the same page continues");
                assertTrue(tab.hasOrder("Before Restart"), "the board keeps its orders");
                tab.createOrder("After Restart", "Springs", 3);
                tab.awaitOrder("After Restart");

                server.kill(); // kill -9: only what was saved survives
                tab.awaitConnection("reconnecting");
                server = MainProcess.start(env, null, dir);
                started.add(server);
                tab.awaitConnection("online");
                tab.createOrder("After Crash", "Bolts", 4);
                tab.awaitOrder("After Crash");
                assertTrue(tab.hasOrder("After Restart"));
                assertEquals("still here", chrome.driver().executeScript("return window.residentTestMarker"),
                        "the browser never reloaded the page");
                assertTrue(tab.isBoardShown(), "still logged in: the board, not the login form");
            } catch (Throwable failure) {
                throw withLogs(failure, started); // the @TempDir holding them is deleted after the test
            } finally {
                server.close();
            }
        }
    }

    private static AssertionError withLogs(Throwable failure, List<MainProcess> started) {
        StringBuilder logs = new StringBuilder(String.valueOf(failure.getMessage()));
        for (int i = 0; i < started.size(); i++) {
            logs.append("\n--- server ").append(i + 1).append(" of ").append(started.size()).append(" ---\n")
                    .append(started.get(i).output());
        }
        return new AssertionError(logs.toString(), failure);
    }
}
