package dev.resident.legacy;

import dev.resident.web.ClientShares;
import io.helidon.webserver.http.ServerRequest;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Where what passes between a client and the legacy app waits for the slower side, so that neither
 * a slow upload ({@link SpooledBody}) nor a slow reader ({@link AnswerSpool}) holds one of the
 * legacy app's workers: a directory of this process's, only Resident's user can read, in the
 * configured one or {@code java.io.tmpdir}, deleted at {@link #close()} (and, left by a killed
 * process, at the next start); and the disk budgets of uploads and of answers, per process and per
 * client address ({@code legacy.spool}).
 */
final class DiskSpool implements AutoCloseable {
    /** A temporary spool directory's name: this prefix, the process id, a dash, random characters. */
    static final String PREFIX = "resident-spool-";
    private final Path dir;
    private final ClientShares uploads;
    private final ClientShares answers;

    /**
     * @param dir     the configured directory (made {@code rwx------} when missing), or empty for
     *                {@code java.io.tmpdir}: the spool is a new directory of this process's in it
     * @param uploads the budget of what request bodies hold on disk, per process and per client address
     * @param answers the same for answers: apart, so that clients that read slowly cannot keep
     *                anyone's uploads out
     * @throws UncheckedIOException when the directory cannot be made
     */
    DiskSpool(Optional<Path> dir, ClientShares uploads, ClientShares answers) {
        this.uploads = uploads;
        this.answers = answers;
        boolean posix = FileSystems.getDefault().supportedFileAttributeViews().contains("posix");
        try {
            var privateDir = PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------"));
            Path base = dir.isPresent()
                    ? (posix ? Files.createDirectories(dir.get(), privateDir) : Files.createDirectories(dir.get()))
                    : Path.of(System.getProperty("java.io.tmpdir"));
            String prefix = PREFIX + ProcessHandle.current().pid() + "-";
            this.dir = posix ? Files.createTempDirectory(base, prefix, privateDir) : Files.createTempDirectory(base, prefix);
            removeLeftByDeadProcesses(this.dir);
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
                uploads.count(req));
    }

    /** A spool for the legacy app's answer to {@code req}, counted against its client's share; close it when answered. */
    AnswerSpool answer(ServerRequest req) {
        return new AnswerSpool(dir, answers.count(req));
    }

    /**
     * Deletes the temporary spool directories that processes of the same user left when they died
     * (a kill -9 gives no chance to delete one): their process id is no longer running.
     */
    private static void removeLeftByDeadProcesses(Path mine) {
        try (Stream<Path> all = Files.list(mine.getParent())) {
            var owner = Files.getOwner(mine);
            for (Path other : (Iterable<Path>) all::iterator) {
                String name = other.getFileName().toString();
                if (!name.startsWith(PREFIX) || other.equals(mine) || !Files.isDirectory(other, LinkOption.NOFOLLOW_LINKS)
                        || !owner.equals(Files.getOwner(other, LinkOption.NOFOLLOW_LINKS))) {
                    continue;
                }
                int dash = name.indexOf('-', PREFIX.length());
                long pid;
                try {
                    pid = Long.parseLong(name.substring(PREFIX.length(), dash < 0 ? name.length() : dash));
                } catch (NumberFormatException notOurs) {
                    continue;
                }
                if (ProcessHandle.of(pid).isEmpty()) {
                    deleteAll(other);
                }
            }
        } catch (IOException | UnsupportedOperationException e) {
            // left for the system's cleaning of temporary files
        }
    }

    private static void deleteAll(Path dir) throws IOException {
        try (Stream<Path> left = Files.list(dir)) {
            for (Path file : (Iterable<Path>) left::iterator) {
                Files.deleteIfExists(file);
            }
        }
        Files.deleteIfExists(dir);
    }

    /** Deletes its directory (what is left in it first). */
    @Override
    public void close() {
        try {
            deleteAll(dir);
        } catch (IOException e) {
            // what is left goes at the next start (removeLeftByDeadProcesses)
        }
    }
}
