package dev.resident.legacy;

import dev.resident.web.ApiError;
import dev.resident.web.ClientShares;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The legacy app's answer between the thread that takes it from the legacy app as fast as it
 * comes ({@link #put}) and the one that gives it to the client at the client's pace
 * ({@link #take}), as nginx's {@code proxy_buffering}: a client that reads slowly holds none of the
 * legacy app's workers. What the client has not taken waits in memory up to {@link #IN_MEMORY}
 * bytes, beyond that in a file of the spool's directory, counted on disk against the client's
 * share ({@code legacy.spool}); the file is emptied each time the client catches up. Past the
 * share (or the disk's budget), {@link #put} waits for the client: the legacy app is then slowed
 * down by it, as when nginx's temporary files are full.
 */
final class AnswerSpool implements AutoCloseable {
    /** What waits in memory for a client that lags; beyond, the file. */
    static final int IN_MEMORY = 16 * 1024;
    private final Path dir;
    private final ClientShares.Count onDisk;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final ArrayDeque<byte[]> memory = new ArrayDeque<>();
    private int inMemory;
    private FileChannel file;
    private Path path;
    private long written;
    private long read;
    private boolean ended;
    private RuntimeException failure;
    private boolean closed;

    AnswerSpool(Path dir, ClientShares.Count onDisk) {
        this.dir = dir;
        this.onDisk = onDisk;
    }

    /**
     * Adds {@code n} bytes of {@code piece} for the client; waits while the client's share of the
     * disk is full.
     *
     * @return false when the spool is closed (the client is gone): stop taking the answer
     * @throws IOException when the disk fails
     */
    boolean put(byte[] piece, int n) throws IOException, InterruptedException {
        lock.lock();
        try {
            while (true) {
                if (closed) {
                    return false;
                }
                if (written == read && inMemory + n <= IN_MEMORY) {
                    memory.add(Arrays.copyOf(piece, n));
                    inMemory += n;
                    break;
                }
                if (holdOnDisk(written + n)) {
                    file().write(ByteBuffer.wrap(piece, 0, n), written);
                    written += n;
                    break;
                }
                // the client's share of the disk (or the disk's budget) is full: wait for the client
                changed.await();
            }
            changed.signalAll();
            return true;
        } finally {
            lock.unlock();
        }
    }

    /** The legacy app's answer is complete. */
    void end() {
        finish(null);
    }

    /**
     * The legacy app failed before its answer was complete: {@link #take} throws {@code failure}
     * once all before it is taken.
     *
     * @return false when the spool was closed already (the client is gone: nobody to tell)
     */
    boolean fail(RuntimeException failure) {
        return finish(failure);
    }

    /**
     * Fills {@code buffer} with what comes next, waiting for it.
     *
     * @return the bytes given, or -1 at the end of the answer
     * @throws RuntimeException the legacy app's failure, once everything before it was taken
     */
    int take(byte[] buffer) throws IOException, InterruptedException {
        lock.lock();
        try {
            while (memory.isEmpty() && read == written && !ended) {
                changed.await();
            }
            if (!memory.isEmpty()) {
                byte[] first = memory.poll();
                inMemory -= first.length;
                changed.signalAll();
                System.arraycopy(first, 0, buffer, 0, first.length); // pieces are never larger than the buffer
                return first.length;
            }
            if (read < written) {
                int n = file.read(ByteBuffer.wrap(buffer, 0, (int) Math.min(buffer.length, written - read)), read);
                read += n;
                if (read == written) {
                    // caught up: the file starts again, and gives its disk back
                    file.truncate(0);
                    read = 0;
                    written = 0;
                    onDisk.hold(0);
                    changed.signalAll();
                }
                return n;
            }
            if (failure != null) {
                throw failure;
            }
            return -1;
        } finally {
            lock.unlock();
        }
    }

    /** Deletes its file and gives back its share; a {@link #put} still running stops. */
    @Override
    public void close() {
        lock.lock();
        try {
            closed = true;
            changed.signalAll();
            if (file != null) {
                file.close();
                Files.deleteIfExists(path);
                file = null;
            }
        } catch (IOException e) {
            // an unlinked or unreadable temporary file: nothing else can be done with it
        } finally {
            onDisk.close();
            lock.unlock();
        }
    }

    private boolean finish(RuntimeException failed) {
        lock.lock();
        try {
            ended = true;
            failure = failed;
            changed.signalAll();
            return !closed;
        } finally {
            lock.unlock();
        }
    }

    private boolean holdOnDisk(long bytes) {
        try {
            onDisk.hold(bytes);
            return true;
        } catch (ApiError full) {
            return false;
        }
    }

    private FileChannel file() throws IOException {
        if (file == null) {
            path = Files.createTempFile(dir, "answer-", ".part");
            file = FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE);
        }
        return file;
    }
}
