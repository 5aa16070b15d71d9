package dev.resident.state.mvstore;

import dev.resident.state.Bucket;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A state file worth shrinking at start, on a disk without room for its copy (the disk the file
 * filled up): the start goes on with the file as it is, and leaves no half-written copy taking the
 * disk's last bytes until the next start. The disk is a small tmpfs mounted for the test (root only).
 */
@Timeout(120)
class StartCompactionOnAFullDiskTest {

    @Test
    void aCompactionAtStartThatRanOutOfRoomLeavesNoPartialCopy(@TempDir Path dir) throws Exception {
        Path grown = dir.resolve("grown");
        byte[] kept = grow(grown);
        Path disk = dir.resolve("disk");
        Files.createDirectories(disk);
        assumeTrue(mount(disk, "size=" + (Files.size(grown.resolve("state.mv")) + 3 * 1024 * 1024)),
                "needs root to mount a small tmpfs");
        try {
            Path state = disk.resolve("state");
            Files.createDirectories(state);
            Files.copy(grown.resolve("state.mv"), state.resolve("state.mv"));
            long free = Files.getFileStore(state).getUsableSpace();
            MvStateStore store = MvStateStore.open(state, Duration.ofMillis(50), false, 0, nanos -> { });
            try {
                assertFalse(Files.exists(state.resolve("state.mv.compacting")),
                        "the copy that ran out of room is removed: it held the disk's last bytes");
                long after = Files.getFileStore(state).getUsableSpace();
                assertTrue(after >= free - 1024 * 1024, "the disk had " + free + " bytes free, and " + after
                        + " after the start");
                assertArrayEquals(kept, store.bucket("global", Duration.ZERO).get("kept").orElseThrow().value());
            } finally {
                store.close();
            }
        } finally {
            new ProcessBuilder("umount", "-l", disk.toString()).inheritIO().start().waitFor();
        }
    }

    /** A store in {@code dir} whose file is over 16 MB, more than half of it free, with ~8 MB live. */
    private static byte[] grow(Path dir) {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        byte[] kept = new byte[1000];
        random.nextBytes(kept);
        MvStateStore store = MvStateStore.open(dir, Duration.ofMillis(50), false, 0, nanos -> { });
        try {
            Bucket global = store.bucket("global", Duration.ZERO);
            global.put("kept", kept);
            Bucket pages = store.bucket("pages", Duration.ofSeconds(600));
            for (int p = 0; p < 7000; p++) { // incompressible: ~8 MB live
                byte[] page = new byte[1200];
                random.nextBytes(page);
                pages.batched().put("page" + p, page);
            }
            store.flush();
            byte[] hot = new byte[32 * 1024];
            for (int i = 0; size(dir) < 40L * 1024 * 1024; i++) { // MVStore keeps each replaced chunk 45 s
                random.nextBytes(hot);
                global.put("table" + (i % 4), hot.clone());
            }
        } finally {
            store.close();
        }
        return kept;
    }

    private static long size(Path dir) {
        try {
            return Files.size(dir.resolve("state.mv"));
        } catch (IOException e) {
            return 0;
        }
    }

    /** Mounts a tmpfs at {@code at}; false when this user may not. */
    private static boolean mount(Path at, String options) throws InterruptedException {
        try {
            Process mount = new ProcessBuilder("mount", "-t", "tmpfs", "-o", options, "tmpfs", at.toString())
                    .redirectErrorStream(true).start();
            mount.getInputStream().readAllBytes();
            return mount.waitFor() == 0;
        } catch (IOException e) {
            return false;
        }
    }
}
