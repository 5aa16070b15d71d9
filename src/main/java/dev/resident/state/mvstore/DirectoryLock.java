package dev.resident.state.mvstore;

import dev.resident.state.StateUnavailable;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.concurrent.locks.LockSupport;

/**
 * The state directory's lock ({@code <dir>/state.lock}), held by the process that uses the store
 * until it closes it. MVStore locks its file too, but lets it go while {@link StartCompaction}
 * replaces the file: this lock keeps another process out meanwhile.
 */
final class DirectoryLock implements AutoCloseable {
    /** How long a start waits for a process that is still stopping to let the directory go. */
    static final Duration PATIENCE = Duration.ofSeconds(5);
    private final FileChannel channel;

    private DirectoryLock(FileChannel channel) {
        this.channel = channel;
    }

    /**
     * @throws StateUnavailable when another process holds the directory past {@link #PATIENCE}
     */
    static DirectoryLock take(Path dir) {
        Path file = dir.resolve("state.lock");
        FileChannel channel;
        try {
            channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        } catch (IOException e) {
            throw new StateUnavailable("cannot open " + file.toAbsolutePath() + ": " + e.getMessage(), e);
        }
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        try {
            while (true) {
                FileLock lock;
                try {
                    lock = channel.tryLock();
                } catch (OverlappingFileLockException e) {
                    lock = null; // this process holds it already (a store opened twice)
                }
                if (lock != null) {
                    return new DirectoryLock(channel);
                }
                if (System.nanoTime() > deadline) {
                    throw new StateUnavailable("the state directory " + dir.toAbsolutePath()
                            + " is locked by another process (" + file + ")");
                }
                LockSupport.parkNanos(Duration.ofMillis(200).toNanos());
            }
        } catch (IOException | RuntimeException e) {
            closeQuietly(channel);
            if (e instanceof StateUnavailable unavailable) {
                throw unavailable;
            }
            throw new StateUnavailable("cannot lock " + file.toAbsolutePath() + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        closeQuietly(channel); // releases the lock
    }

    private static void closeQuietly(FileChannel channel) {
        try {
            channel.close();
        } catch (IOException e) {
            // the lock goes with the process anyway
        }
    }
}
