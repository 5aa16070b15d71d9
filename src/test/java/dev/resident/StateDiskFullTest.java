package dev.resident;

import dev.resident.json.Json;
import dev.resident.support.Browser;
import dev.resident.support.Browser.Reply;
import dev.resident.support.Eventually;
import dev.resident.support.MainProcess;
import dev.resident.support.Observe;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static dev.resident.DurableProcesses.PATIENCE;
import static dev.resident.DurableProcesses.env;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The embedded store on a disk that fills up, with the real {@code Main} in a child JVM: writes
 * answer 503 while the disk is full, and once the operator frees space the process stores again,
 * without a restart. The disk is a small tmpfs mounted for the test (root only; skipped elsewhere).
 */
@Tag("slow")
@Timeout(180)
class StateDiskFullTest {

    @Test
    void aDiskThatFilledUpAndWasFreedAgainIsWrittenAgainWithoutARestart(@TempDir Path dir) throws Exception {
        Path disk = dir.resolve("disk");
        Files.createDirectories(disk);
        assumeTrue(mount(disk), "needs root to mount a small tmpfs");
        try {
            Map<String, String> env = env("");
            env.put("STATE_DIR", disk.resolve("state").toString());
            Path ballast = disk.resolve("ballast");
            String bobsSession;
            try (MainProcess process = MainProcess.start(env, null, dir)) {
                Browser bob = new Browser(process.uri());
                assertEquals(200, bob.login("bob", "bob").status());
                bobsSession = bob.connectionId();
                fill(ballast);
                int status = 200;
                for (int attempt = 0; attempt < 200 && status == 200; attempt++) {
                    status = new Browser(process.uri()).login("carol", "carol").status();
                }
                assertEquals(503, status, "a login that cannot be stored answers 503");
                Files.delete(ballast); // the operator frees space
                Observe observe = new Observe(process.uri());
                Eventually.await(PATIENCE, "ready again once the disk has room", () -> observe.readyStatus() == 200);
                Browser alice = new Browser(process.uri());
                Eventually.await(PATIENCE, "a login stored again", () -> {
                    Reply login = alice.login("alice", "alice");
                    return login.status() == 200;
                });
                String alicesSession = alice.connectionId();
                process.kill();
                try (MainProcess next = MainProcess.start(env, null, dir)) {
                    Browser again = new Browser(next.uri());
                    again.useSession(alicesSession);
                    assertEquals("alice", again.openPage("/_bench", null).get("user").asText(),
                            "the login answered after the disk was freed survived a kill -9");
                    Browser bobAgain = new Browser(next.uri());
                    bobAgain.useSession(bobsSession);
                    assertEquals("bob", bobAgain.openPage("/_bench", null).get("user").asText(),
                            "the login from before the disk filled up survived");
                }
            }
        } finally {
            new ProcessBuilder("umount", "-l", disk.toString()).inheritIO().start().waitFor();
        }
    }

    /**
     * A call answered while the disk was full lives in memory; once the disk has room again its page
     * is stored, so a kill -9 after everything was written (nothing pending) keeps it: the snapshot
     * written in a round whose commit failed is written again, not taken as stored.
     */
    @Test
    void aCallAnsweredWhileTheDiskWasFullIsStoredOnceItHasRoom(@TempDir Path dir) throws Exception {
        Path disk = dir.resolve("disk");
        Files.createDirectories(disk);
        assumeTrue(mount(disk), "needs root to mount a small tmpfs");
        try {
            Map<String, String> env = env("");
            env.put("STATE_DIR", disk.resolve("state").toString());
            Path ballast = disk.resolve("ballast");
            String session;
            String pageId;
            try (MainProcess process = MainProcess.start(env, null, dir)) {
                Browser guest = new Browser(process.uri());
                pageId = guest.benchPage();
                session = guest.connectionId();
                Observe observe = new Observe(process.uri());
                DurableProcesses.awaitSaved(process.uri());
                double failures = observe.metric("resident_state_write_failures_total");
                fill(ballast);
                Reply served = guest.rpc(pageId, "inc", Json.object().put("by", 5), null); // one change, one round
                assertEquals(5, served.json().get("result").asLong(), "served from memory: " + served.body());
                Eventually.await(PATIENCE, "a round of writes failed on the full disk",
                        () -> observe.metric("resident_state_write_failures_total") > failures);
                Files.delete(ballast);
                Eventually.await(PATIENCE, "ready again once the disk has room", () -> observe.readyStatus() == 200);
                DurableProcesses.awaitSaved(process.uri());
                process.kill();
            }
            try (MainProcess next = MainProcess.start(env, null, dir)) {
                Browser guest = new Browser(next.uri());
                guest.useSession(session);
                Reply call = guest.rpc(pageId, "inc", Json.object().put("by", 1), null);
                assertEquals(200, call.status(), call.body());
                assertEquals(6, call.json().get("result").asLong(),
                        "the call answered while the disk was full were stored once it had room");
            }
        } finally {
            new ProcessBuilder("umount", "-l", disk.toString()).inheritIO().start().waitFor();
        }
    }

    /** Mounts a 16 MB tmpfs at {@code at}; false when this user may not. */
    private static boolean mount(Path at) throws InterruptedException {
        try {
            Process mount = new ProcessBuilder("mount", "-t", "tmpfs", "-o", "size=16m", "tmpfs", at.toString())
                    .redirectErrorStream(true).start();
            mount.getInputStream().readAllBytes();
            return mount.waitFor() == 0;
        } catch (IOException e) {
            return false;
        }
    }

    /** Writes {@code file} until the disk has no room left. */
    private static void fill(Path file) throws IOException {
        byte[] block = new byte[64 * 1024];
        try (OutputStream out = Files.newOutputStream(file)) {
            while (true) {
                out.write(block);
                out.flush();
            }
        } catch (IOException full) {
            // no space left on the device
        }
        long size = Files.size(file);
        assumeTrue(size > 0, "the ballast took some room");
    }
}
