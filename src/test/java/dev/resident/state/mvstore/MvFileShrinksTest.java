package dev.resident.state.mvstore;

import dev.resident.state.Bucket;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The embedded file shrinks back while the process runs once the writes that grew it stop (with a
 * retention time of 1 s instead of MVStore's 45 s, so that the test need not wait minutes).
 * Before, once the writes stopped, the rewriting of sparse chunks stopped too as soon as the chunks
 * were half live (dead chunks not yet freed counted), nothing committed any more, MVStore freed no
 * replaced chunk, and the file kept the size of its last writes (here ~42 MB for ~5 MB live) until
 * the next start (bench/README.md, "Thirty-fourth session").
 */
@Timeout(90)
class MvFileShrinksTest {
    private static final Duration RETENTION = Duration.ofSeconds(1);
    private static final int PAGES = 5000;
    private static final int PAGE_BYTES = 1200;
    private static final long GROWN = 40L * 1024 * 1024;

    @Test
    void aFileGrownByABurstOfWritesShrinksOnceTheyStop(@TempDir Path dir) {
        MvStateStore store = MvStateStore.open(dir, Duration.ofMillis(50), false, 0, nanos -> { }, RETENTION);
        Map<String, byte[]> pages = new HashMap<>();
        try {
            Bucket global = store.bucket("global", Duration.ZERO);
            Bucket pageBucket = store.bucket("pages", Duration.ofSeconds(600));
            ThreadLocalRandom random = ThreadLocalRandom.current();
            byte[] hot = new byte[32 * 1024];
            long start = System.nanoTime();
            for (int i = 0; size(dir) < GROWN && elapsed(start).compareTo(Duration.ofSeconds(20)) < 0; i++) {
                random.nextBytes(hot); // incompressible: a Store full of unique text
                global.put("table" + (i % 4), hot.clone());
                for (int p = 0; p < 20; p++) { // page snapshots, batched: ~6 MB live, spread over the chunks
                    byte[] page = new byte[PAGE_BYTES];
                    random.nextBytes(page);
                    String key = "page" + random.nextInt(PAGES);
                    pageBucket.batched().put(key, page);
                    pages.put(key, page);
                }
            }
            long grown = size(dir);
            assertTrue(grown >= GROWN, "the burst grew the file to " + grown + " bytes only");
            long live = (long) pages.size() * PAGE_BYTES;
            long bound = Math.min(grown / 2, 4 * live);
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (size(dir) > bound && System.nanoTime() < deadline) {
                sleep(100);
            }
            long after = size(dir);
            assertTrue(after <= bound, "the file grew to " + grown + " bytes and was " + after
                    + " bytes 30 s after the writes stopped, with " + live + " bytes live");
        } finally {
            store.close();
        }
        MvStateStore reopened = MvStateStore.open(dir, Duration.ofMillis(50), false, 0, nanos -> { });
        try {
            Bucket pageBucket = reopened.bucket("pages", Duration.ofSeconds(600));
            pages.forEach((key, value) -> assertArrayEquals(value, pageBucket.get(key).orElseThrow().value(), key));
        } finally {
            reopened.close();
        }
    }

    private static Duration elapsed(long start) {
        return Duration.ofNanos(System.nanoTime() - start);
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static long size(Path dir) {
        try {
            return Files.size(dir.resolve("state.mv"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
