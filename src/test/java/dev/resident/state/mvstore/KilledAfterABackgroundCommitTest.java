package dev.resident.state.mvstore;

import dev.resident.state.Bucket;
import org.h2.mvstore.FileStore;
import org.h2.mvstore.MVStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.lang.reflect.Field;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A file left by a kill -9 just after an answered write opens with every bucket. MVStore 2.5's own
 * background commit serializes a chunk on one thread and writes it on another; a commit that
 * follows at once could be serialized before that write had started, and its chunk then listed
 * the maps whose newest pages are in the chunk before it, but not that chunk: a file whose last
 * chunk was this one opened, and the first bucket read from the chunk before failed with "Chunk N
 * not found" (a CI restart after a kill). Here the writing thread is held back by MVStore's own
 * lock, which makes that order certain while the store's background commit runs.
 */
@Timeout(60)
class KilledAfterABackgroundCommitTest {

    @Test
    void aFileCopiedRightAfterAnAnsweredWriteThatFollowedABackgroundCommitOpensWithEveryBucket(@TempDir Path dir)
            throws Exception {
        Path first = dir.resolve("first");
        MvStateStore store = MvStateStore.open(first, Duration.ofMillis(100), true, 0, nanos -> { });
        try {
            Bucket users = store.bucket("users", Duration.ZERO);
            Bucket connections = store.bucket("connections", Duration.ZERO);
            users.put("alice", bytes("alice"));
            connections.put("c0", bytes("c0"));
            MVStore mv = mvStore(store);
            ReentrantLock saveChunkLock = saveChunkLock(mv);
            saveChunkLock.lock(); // the chunk writes wait
            CompletableFuture<Long> answered = new CompletableFuture<>();
            try {
                long version = mv.getCurrentVersion();
                users.batched().put("bob", bytes("bob")); // left to the background commit
                await("the background commit numbered its chunk", () -> mv.getCurrentVersion() != version);
                await("the background commit's chunk write waits", saveChunkLock::hasQueuedThreads);
                Thread writer = Thread.ofPlatform().start(() -> answered.complete(connections.put("c1", bytes("c1"))));
                // the commit the write waits for (run on its thread) goes as far as it can
                await("the answered write's commit waits in MVStore", () -> waitsInMvStore(writer));
            } finally {
                saveChunkLock.unlock();
            }
            answered.get(10, TimeUnit.SECONDS);
            Path copy = dir.resolve("copy");
            Files.createDirectories(copy);
            Files.copy(first.resolve("state.mv"), copy.resolve("state.mv")); // what a kill -9 now leaves
            MvStateStore reopened = MvStateStore.open(copy, Duration.ofMillis(100), true, 0, nanos -> { });
            try {
                assertEquals("bob", text(reopened.bucket("users", Duration.ZERO), "bob"));
                assertEquals("alice", text(reopened.bucket("users", Duration.ZERO), "alice"));
                assertEquals("c1", text(reopened.bucket("connections", Duration.ZERO), "c1"));
            } finally {
                reopened.close();
            }
        } finally {
            store.close();
        }
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static String text(Bucket bucket, String key) {
        return bucket.get(key).map(v -> new String(v.value(), StandardCharsets.UTF_8)).orElse(null);
    }

    private static MVStore mvStore(MvStateStore store) throws ReflectiveOperationException {
        Field field = MvStateStore.class.getDeclaredField("store");
        field.setAccessible(true);
        return (MVStore) field.get(store);
    }

    private static void await(String what, java.util.function.BooleanSupplier condition) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within 10 s: " + what);
            }
            java.util.concurrent.locks.LockSupport.parkNanos(1_000_000);
        }
    }

    /** Whether the thread is parked or blocked inside MVStore's code. */
    private static boolean waitsInMvStore(Thread thread) {
        Thread.State state = thread.getState();
        if (state != Thread.State.WAITING && state != Thread.State.TIMED_WAITING && state != Thread.State.BLOCKED) {
            return false;
        }
        for (StackTraceElement frame : thread.getStackTrace()) {
            if (frame.getClassName().startsWith("org.h2.mvstore.")) {
                return true;
            }
        }
        return false;
    }

    private static ReentrantLock saveChunkLock(MVStore store) throws ReflectiveOperationException {
        Field field = FileStore.class.getDeclaredField("saveChunkLock");
        field.setAccessible(true);
        return (ReentrantLock) field.get(store.getFileStore());
    }
}
