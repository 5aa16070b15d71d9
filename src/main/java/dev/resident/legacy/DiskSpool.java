package dev.resident.legacy;

import dev.resident.web.ClientShares;
import io.helidon.webserver.http.ServerRequest;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Where what passes between a client and the legacy app waits for the slower side, so that neither
 * a slow upload ({@link SpooledBody}) nor a slow reader ({@link AnswerSpool}) holds one of the
 * legacy app's workers: a directory only Resident's user can read, and the disk budget they share,
 * per process and per client address ({@code legacy.spool}). Without a configured directory it
 * makes a new one under {@code java.io.tmpdir} and deletes it at {@link #close()}.
 */
final class DiskSpool implements AutoCloseable {
    private final Path dir;
    private final boolean made;
    private final ClientShares onDisk;

    /**
     * @param dir    the configured directory (made {@code rwx------} when missing), or empty for a new one
     * @param onDisk the budget of what waits on disk, per process and per client address
     * @throws UncheckedIOException when the directory cannot be made
     */
    DiskSpool(Optional<Path> dir, ClientShares onDisk) {
        this.onDisk = onDisk;
        this.made = dir.isEmpty();
        boolean posix = FileSystems.getDefault().supportedFileAttributeViews().contains("posix");
        try {
            var privateDir = PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------"));
            if (dir.isEmpty()) {
                this.dir = posix ? Files.createTempDirectory("resident-spool-", privateDir)
                        : Files.createTempDirectory("resident-spool-");
            } else {
                this.dir = posix ? Files.createDirectories(dir.get(), privateDir) : Files.createDirectories(dir.get());
            }
        } catch (IOException e) {
            throw new UncheckedIOException("legacy.spool.dir cannot be made: " + dir.map(Path::toString).orElse("(a temporary one)"), e);
        }
    }

    /**
     * The whole body of {@code req}, at most {@code limit} bytes; close it once forwarded.
     *
     * @throws BodyTooLarge beyond {@code limit}
     * @throws ClientGone   when reading the client fails
     */
    SpooledBody receive(ServerRequest req, long limit) {
        return SpooledBody.receive(req.content().inputStream(), req.headers().contentLength().orElse(-1), limit, dir,
                onDisk.count(req));
    }

    /** A spool for the legacy app's answer to {@code req}, counted against its client's share; close it when answered. */
    AnswerSpool answer(ServerRequest req) {
        return new AnswerSpool(dir, onDisk.count(req));
    }

    /** Deletes the directory when it made it (what is left in it first). */
    @Override
    public void close() {
        if (!made) {
            return;
        }
        try (Stream<Path> left = Files.list(dir)) {
            for (Path file : (Iterable<Path>) left::iterator) {
                Files.deleteIfExists(file);
            }
            Files.deleteIfExists(dir);
        } catch (IOException e) {
            // a temporary directory: the system's cleaning takes what is left
        }
    }
}
