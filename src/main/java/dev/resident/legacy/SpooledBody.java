package dev.resident.legacy;

import dev.resident.ops.ThrottledLog;
import dev.resident.web.ApiError;
import dev.resident.web.BodyDeadline;
import dev.resident.web.ClientShares;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;

/**
 * A request body received whole before the legacy app is asked, as nginx's
 * {@code proxy_request_buffering} did in front of gunicorn: a client sending slowly holds a
 * virtual thread of Resident's, never one of the legacy app's workers (a sync worker, or a thread,
 * waits for the body it reads). Up to {@link #IN_MEMORY} bytes stay in memory; a larger body goes
 * to a file of its own in the spool's directory, counted on disk against {@code legacy.spool}
 * (the client's share of it included) as it grows, and deleted when the body is closed.
 */
final class SpooledBody implements AutoCloseable {
    /** What a body may hold in memory; the usual form post is far smaller. */
    static final int IN_MEMORY = 16 * 1024;
    private static final int PIECE = 16 * 1024;
    /** One line a minute however many uploads the disk fails. */
    private static final ThrottledLog FAILURES = new ThrottledLog(System.getLogger(SpooledBody.class.getName()),
            System.Logger.Level.WARNING, Duration.ofMinutes(1));
    private final ClientShares.Count onDisk;
    private byte[] memory;
    private int inMemory;
    private Path file;
    private long length;

    private SpooledBody(ClientShares.Count onDisk) {
        this.onDisk = onDisk;
    }

    /**
     * Reads the whole body of {@code from}.
     *
     * @param declared its declared length, or -1 (chunked)
     * @param limit    the longest body; beyond {@link BodyTooLarge}
     * @param dir      where a body larger than {@link #IN_MEMORY} is held
     * @param onDisk   the count of what the client holds on disk
     * @throws ClientGone when reading the client fails
     * @throws ApiError 503 or 429 past the disk's budget or the client's share, 503 when the disk fails
     */
    static SpooledBody receive(InputStream from, long declared, long limit, Path dir, ClientShares.Count onDisk) {
        SpooledBody body = new SpooledBody(onDisk);
        try (BodyDeadline timed = BodyDeadline.start()) {
            body.read(from, declared, limit, dir);
            return body;
        } catch (RuntimeException e) {
            body.close();
            throw e;
        }
    }

    /** Its length in bytes. */
    long length() {
        return length;
    }

    /** Writes it to {@code to} and closes {@code to}. */
    void writeTo(OutputStream to) throws IOException {
        to.write(memory, 0, inMemory);
        if (file != null) {
            try (InputStream rest = Files.newInputStream(file)) {
                rest.transferTo(to);
            }
        }
        to.close();
    }

    private void read(InputStream from, long declared, long limit, Path dir) {
        memory = new byte[declared >= 0 && declared < IN_MEMORY ? (int) declared : IN_MEMORY];
        inMemory = fill(from, memory);
        length = inMemory;
        if (length > limit) {
            throw new BodyTooLarge(limit);
        }
        if (inMemory < memory.length) {
            memory = Arrays.copyOf(memory, inMemory);
            return;
        }
        byte[] piece = new byte[PIECE];
        int n = readClient(from, piece);
        if (n < 0) {
            return;
        }
        try {
            file = Files.createTempFile(dir, "upload-", ".part");
            try (OutputStream out = Files.newOutputStream(file)) {
                for (; n >= 0; n = readClient(from, piece)) {
                    length += n;
                    if (length > limit) {
                        throw new BodyTooLarge(limit);
                    }
                    onDisk.hold(length - inMemory);
                    out.write(piece, 0, n);
                }
            }
        } catch (IOException e) {
            FAILURES.log("an upload could not be held in " + dir + " (" + e + "); it was answered 503");
            throw ApiError.unavailable("the server cannot hold uploads now; try again").retryAfter(1);
        }
    }

    /** Fills {@code buffer} from the client as far as the body goes: how many bytes it holds. */
    private static int fill(InputStream from, byte[] buffer) {
        int filled = 0;
        while (filled < buffer.length) {
            int n = readClient(from, buffer, filled, buffer.length - filled);
            if (n < 0) {
                break;
            }
            filled += n;
        }
        return filled;
    }

    private static int readClient(InputStream from, byte[] buffer) {
        return readClient(from, buffer, 0, buffer.length);
    }

    private static int readClient(InputStream from, byte[] buffer, int offset, int most) {
        try {
            return from.read(buffer, offset, most);
        } catch (IOException | RuntimeException e) {
            // a broken, cut or malformed upload is the client's doing
            throw new ClientGone(e);
        }
    }

    /** Deletes its file and gives back what it held on disk; again, nothing. */
    @Override
    public void close() {
        try {
            if (file != null) {
                Files.deleteIfExists(file);
                file = null;
            }
        } catch (IOException e) {
            FAILURES.log("an upload's file " + file + " could not be deleted (" + e + ")");
        } finally {
            onDisk.close();
        }
    }
}
