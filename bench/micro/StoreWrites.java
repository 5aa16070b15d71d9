import dev.resident.state.Bucket;
import dev.resident.state.mvstore.MvStateStore;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Writes of a 2 KB value to one bucket of the embedded store (MVStore), as a Store write makes them:
 * {@code committed} (each write waits for a commit that covers it, what page code gets) against
 * {@code batched} (the write only, committed later: what every write cost before commits were
 * waited for), and committed with the commits forced to the disk ({@code resident.state.fsync}, the
 * default). For each: one writer and 16 writers (virtual threads) writing for 3 s, then 10 writes
 * in a row after a quiet second, as a call that writes a few times; and 64 writers of 300-byte
 * values over 12,800 keys, as a storm of logins. The first argument is the store's write rate
 * ({@code resident.state.write-rate}, bytes a second; 0: no bound). Run by bench/store-writes.
 */
public class StoreWrites {
    private static final byte[] VALUE = new byte[2048];

    public static void main(String[] args) throws Exception {
        long writeRate = Long.parseLong(args[0]);
        System.out.println("write rate " + writeRate + " bytes a second");
        System.out.println("| writes | writers | writes/s | µs per write, each writer | file after |");
        System.out.println("|---|---|---|---|---|");
        for (boolean fsync : new boolean[]{false, true}) {
            Path dir = Files.createTempDirectory("store-writes");
            MvStateStore store = MvStateStore.open(dir, Duration.ofSeconds(1), fsync, writeRate, nanos -> { });
            Bucket committed = store.bucket("global", Duration.ZERO);
            Bucket[] kinds = fsync ? new Bucket[]{committed} : new Bucket[]{committed.batched(), committed};
            for (Bucket bucket : kinds) {
                stream(bucket, 16, Duration.ofSeconds(2)); // warm-up
            }
            for (Bucket bucket : kinds) {
                String name = bucket != committed ? "batched" : fsync ? "committed, fsync" : "committed, no fsync";
                for (int writers : new int[]{1, 16}) {
                    long writes = stream(bucket, writers, Duration.ofSeconds(3));
                    System.out.printf("| %s | %d | %,.0f | %,.1f | %,d KB |%n", name, writers, writes / 3.0,
                            3e6 * writers / writes, Files.size(dir.resolve("state.mv")) / 1024);
                }
                Thread.sleep(1000);
                long start = System.nanoTime();
                for (int i = 0; i < 10; i++) {
                    bucket.put("burst", VALUE);
                }
                System.out.printf("| %s, 10 in a row after a quiet second | 1 | | %,.1f | |%n", name,
                        (System.nanoTime() - start) / 1e4);
                if (bucket == committed) {
                    long writes = logins(bucket, Duration.ofSeconds(3));
                    System.out.printf("| %s, 300 B over 12,800 keys | 64 | %,.0f | %,.1f | %,d KB |%n", name, writes / 3.0,
                            3e6 * 64 / writes, Files.size(dir.resolve("state.mv")) / 1024);
                }
            }
            store.close();
        }
    }

    /** 64 writers of 300-byte values, each over its own 200 keys, for {@code time}; returns the writes made. */
    private static long logins(Bucket bucket, Duration time) throws Exception {
        long end = System.nanoTime() + time.toNanos();
        byte[] value = new byte[300];
        java.util.concurrent.atomic.LongAdder writes = new java.util.concurrent.atomic.LongAdder();
        try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int w = 0; w < 64; w++) {
                String prefix = "session-" + w + "-";
                threads.submit(() -> {
                    for (int i = 0; System.nanoTime() < end; i++) {
                        bucket.put(prefix + i % 200, value);
                        writes.increment();
                    }
                    return null;
                });
            }
        }
        return writes.sum();
    }

    /** Writers that write their own key as fast as they can for {@code time}; returns the writes made. */
    private static long stream(Bucket bucket, int writers, Duration time) throws Exception {
        long end = System.nanoTime() + time.toNanos();
        java.util.concurrent.atomic.LongAdder writes = new java.util.concurrent.atomic.LongAdder();
        try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int w = 0; w < writers; w++) {
                String key = "writer-" + w;
                threads.submit(() -> {
                    while (System.nanoTime() < end) {
                        bucket.put(key, VALUE);
                        writes.increment();
                    }
                    return null;
                });
            }
        }
        return writes.sum();
    }
}
