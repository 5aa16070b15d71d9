package dev.resident.state.mvstore;

import org.h2.mvstore.MVStore;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Locale;

/**
 * Shrinks the state file at start, before the store serves: MVStore's file never shrinks while it
 * runs (it keeps each replaced chunk 45 s, then reuses its space), so after a burst of writes it can
 * be mostly free space. When it is, its live pages are copied to a new file, which is forced to the
 * disk and then renamed over the old one: a kill at any point leaves the old file whole (and a
 * temporary file the next start removes). Shrinking it in place while it runs lost answered writes
 * to a kill -9 (bench/README.md, thirty-second session).
 */
final class StartCompaction {
    private static final System.Logger LOGGER = System.getLogger(StartCompaction.class.getName());
    /** A smaller file is left as it is, whatever its free space. */
    static final long MIN_BYTES = 16 * 1024 * 1024;
    private static final String TEMPORARY_SUFFIX = ".compacting";

    private StartCompaction() {
    }

    /** Removes what an interrupted compaction left; the file itself is whole either way. */
    static void cleanUp(Path file) throws IOException {
        Files.deleteIfExists(temporary(file));
    }

    /** Whether {@code store}'s file is large and more than half of it free or no longer used. */
    static boolean worthIt(MVStore store) {
        long size = store.getFileStore().size();
        if (size < MIN_BYTES) {
            return false;
        }
        long live = size * store.getFileStore().getFillRate() / 100 * store.getFileStore().getChunksFillRate() / 100;
        return live < size / 2;
    }

    /**
     * Copies the live pages of the closed store in {@code file} to a new file that then replaces it.
     *
     * @param ownersOnly makes a file readable by its owner alone (the store holds session ids)
     */
    static void compact(Path file, java.util.function.Consumer<Path> ownersOnly) throws IOException {
        long before = Files.size(file);
        long start = System.nanoTime();
        Path temporary = temporary(file);
        Files.deleteIfExists(temporary);
        try {
            MVStore.compact(file.toString(), temporary.toString(), true, null);
            ownersOnly.accept(temporary);
            try (FileChannel channel = FileChannel.open(temporary, StandardOpenOption.WRITE)) {
                channel.force(true);
            }
        } catch (IOException | RuntimeException e) {
            // a disk without room for the copy (the one the file filled): what was copied must not keep its last bytes
            Files.deleteIfExists(temporary);
            throw e;
        }
        Files.move(temporary, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        try (FileChannel directory = FileChannel.open(file.getParent(), StandardOpenOption.READ)) {
            directory.force(true); // the rename itself
        } catch (IOException e) {
            // a file system that cannot force a directory: the rename reaches the disk with its next sync
        }
        LOGGER.log(Level.INFO, String.format(Locale.ROOT, "state file compacted at start from %.1f MB to %.1f MB in %d ms",
                before / 1e6, Files.size(file) / 1e6, (System.nanoTime() - start) / 1_000_000));
    }

    private static Path temporary(Path file) {
        return file.resolveSibling(file.getFileName() + TEMPORARY_SUFFIX);
    }
}
