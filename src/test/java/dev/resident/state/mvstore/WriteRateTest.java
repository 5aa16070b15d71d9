package dev.resident.state.mvstore;

import dev.resident.state.Bucket;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The embedded store's file grows no faster than its write rate: MVStore appends a chunk for each
 * commit and reuses one only 45 s after it was replaced, so the rate bounds the file.
 */
@Tag("slow")
@Timeout(60)
class WriteRateTest {

    @Test
    void aStreamOfLargeWritesGrowsTheFileNoFasterThanTheWriteRate(@TempDir Path dir) {
        long rate = 1_048_576;
        MvStateStore store = MvStateStore.open(dir, Duration.ofSeconds(1), false, rate, nanos -> { });
        try {
            Bucket bucket = store.bucket("global", Duration.ZERO);
            bucket.put("warm", new byte[16]);
            long before = size(dir);
            long start = System.nanoTime();
            byte[] value = new byte[32 * 1024];
            for (int i = 0; i < 100; i++) { // incompressible, as a Store full of unique text: ~40 KB a chunk
                ThreadLocalRandom.current().nextBytes(value);
                bucket.put("hot", value.clone());
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            long grown = size(dir) - before;
            long allowed = (long) (rate * (seconds + 1)) + 512 * 1024; // a second's worth at once, and the file's blocks
            assertTrue(grown <= allowed, "the file grew by " + grown + " bytes in " + seconds + " s; the rate allows "
                    + allowed);
            assertArrayEquals(value, bucket.get("hot").orElseThrow().value());
        } finally {
            store.close();
        }
    }

    private static long size(Path dir) {
        try {
            return Files.size(dir.resolve("state.mv"));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
