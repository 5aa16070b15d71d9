package dev.resident.state.mvstore;

import dev.resident.state.Bucket;
import dev.resident.state.Commits;
import dev.resident.state.ExpiringMap;
import dev.resident.state.StateStore;
import dev.resident.state.StateUnavailable;
import org.h2.mvstore.MVMap;
import org.h2.mvstore.MVStore;
import org.h2.mvstore.MVStoreException;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.EnumSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import java.util.function.LongConsumer;
import java.util.function.LongSupplier;

/**
 * {@code STATE_STORE=embedded}: every bucket is a map of one MVStore file, {@code <dir>/state.mv}.
 * A write returns once a commit covers it, so a killed process keeps it; writers share commits,
 * up to {@link #COMMIT_BURST} back to back, then one per {@link #COMMIT_GAP} (see
 * {@link GroupCommit}). A {@link Bucket#batched() batched} write waits for the writer's
 * {@link #flush}, or for the store's background commit every {@code commitDelay}. The file is
 * locked, so one process owns it. With {@code fsync} the commits that writers wait for are also
 * forced to the disk, so what answered survives a crash of the machine too; without, only a crash
 * of the process (the operating system still writes the file out). A file that is mostly free
 * space is shrunk at start ({@link StartCompaction}).
 * <p>
 * MVStore's own background thread is off: its commit serializes a chunk on one thread and writes
 * it on another, and a commit that followed at once could be serialized before that write began;
 * its chunk then named, as the newest pages of some maps, pages of a chunk it did not list, and a
 * file whose last chunk was that one (a kill -9 before the next commit) opened but failed at the
 * first such map with "Chunk N not found". Without that thread each commit serializes and writes
 * on its caller's thread, one after the other; the background commit every {@code commitDelay}
 * and the rewriting of sparse chunks are done here ({@link #commitInBackground}).
 */
public final class MvStateStore implements StateStore {
    private static final System.Logger LOGGER = System.getLogger(MvStateStore.class.getName());
    /**
     * Commits that writers wait for may start back to back this many times after a quiet spell
     * (a commit costs a few hundred µs here), then one per {@link #COMMIT_GAP}: a stream of writes
     * makes at most ~500 commits (file chunks) a second.
     */
    static final int COMMIT_BURST = 64;
    static final Duration COMMIT_GAP = Duration.ofMillis(2);
    /**
     * Once a second, while less than this share of the chunks' bytes is live, the sparsest old
     * chunks' live pages are copied to a new one (what MVStore's background thread did), so that
     * the old ones can be reused once they are unused for 45 s.
     */
    static final int REWRITE_BELOW_FILL_RATE = 50;
    /** Live bytes copied at most in one such rewrite. */
    static final int REWRITE_BYTES = 1024 * 1024;
    /**
     * The map of the commits made only so that MVStore frees what it replaced ({@link Tidying}): MVStore
     * frees a replaced chunk, and cuts the file's free end, only in a commit that writes something.
     */
    static final String TIDYING_MAP = "resident.tidying";
    /** How often a store that MVStore closed at a failed write (a full disk) is opened again, at most. */
    static final Duration REOPEN_GAP = Duration.ofSeconds(1);
    private final Path file;
    /** MVStore's retention time to set again when the store is opened again; null: MVStore's own. */
    private final Duration retention;
    private final long every;
    /** The open store: replaced by {@link #live()} after MVStore closed it at a failed write. */
    private volatile MVStore store;
    /** The bytes the open store has written since it opened (0 without a counter). */
    private volatile LongSupplier writtenBytes;
    /** Set when the store is opened again: batched writes made since its last commit went with it. */
    private final AtomicBoolean batchedLost = new AtomicBoolean();
    /** When the store was last opened again (nanoTime); guarded by this. */
    private long reopenedAt = System.nanoTime() - REOPEN_GAP.toNanos();
    private final DirectoryLock lock;
    private final GroupCommit groupCommit;
    /** Told how long each write that waited for a commit waited, in nanoseconds. */
    private final LongConsumer commitWaits;
    private final Map<String, Guarded> buckets = new ConcurrentHashMap<>();
    private volatile boolean reachable = true;
    private volatile boolean closing;
    private final Thread background;
    private volatile Tidying tidying;

    private MvStateStore(Path file, MVStore store, DirectoryLock lock, Duration commitDelay, boolean fsync,
                         long writeRate, LongConsumer commitWaits, Duration retention) {
        this.file = file;
        this.retention = retention;
        this.store = store;
        this.lock = lock;
        this.commitWaits = commitWaits;
        Runnable commit = () -> {
            MVStore current = live();
            current.commit();
            if (fsync) {
                current.sync();
            }
        };
        Optional<LongSupplier> written = writeRate > 0 ? WrittenBytes.of(store) : Optional.empty();
        if (writeRate > 0 && written.isEmpty()) {
            LOGGER.log(Level.WARNING, "this H2 does not count the bytes it writes where Resident reads them: "
                    + "resident.state.write-rate is not applied, and the state file may grow to ~45 s of writes");
        }
        this.writtenBytes = written.orElse(() -> 0);
        this.groupCommit = new GroupCommit(commit, COMMIT_BURST, COMMIT_GAP, () -> writtenBytes.getAsLong(),
                written.isPresent() ? writeRate : 0);
        this.every = Math.max(1, commitDelay.toNanos());
        this.tidying = new Tidying(store, every);
        this.background = Thread.ofPlatform().daemon().name("resident-state-commit")
                .start(() -> commitInBackground(every));
    }

    /**
     * Commits what was written every {@code every} nanoseconds (the batched writes), without forcing
     * it to the disk, as MVStore's background commit did; once a second, rewrites sparse chunks.
     */
    private void commitInBackground(long every) {
        long rewrittenAt = System.nanoTime();
        while (!closing) {
            LockSupport.parkNanos(every);
            if (closing) {
                return;
            }
            try {
                MVStore current = live();
                current.commit();
                if (System.nanoTime() - rewrittenAt >= 1_000_000_000L) {
                    rewrittenAt = System.nanoTime();
                    current.compact(REWRITE_BELOW_FILL_RATE, REWRITE_BYTES);
                }
                tidying.step(System.nanoTime());
            } catch (MVStoreException | IllegalStateException e) {
                if (closing) {
                    return;
                }
                reachable = false; // the writer reports it; the next round tries again (opening the store again)
            }
        }
    }

    /**
     * Opens (or creates) the store in {@code dir}.
     *
     * @param commitDelay longest time a write waits before it reaches the file
     * @param fsync       whether the commits that writers wait for are forced to the disk
     * @param writeRate   bytes a second that the commits writers wait for may write on average (0: no bound)
     * @param commitWaits told how long each write that waited for a commit waited (nanoseconds)
     * @throws StateUnavailable when the directory cannot be made or the file is locked by another process
     */
    public static MvStateStore open(Path dir, Duration commitDelay, boolean fsync, long writeRate,
                                    LongConsumer commitWaits) {
        return open(dir, commitDelay, fsync, writeRate, commitWaits, null);
    }

    /**
     * As {@link #open(Path, Duration, boolean, long, LongConsumer)}, with MVStore's retention time of
     * replaced chunks set to {@code retention} instead of its default (45 s): for the tests, which
     * cannot wait that long; null keeps MVStore's.
     */
    static MvStateStore open(Path dir, Duration commitDelay, boolean fsync, long writeRate,
                             LongConsumer commitWaits, Duration retention) {
        try {
            makeOwnersOnly(dir);
        } catch (IOException e) {
            throw new StateUnavailable("cannot make the state directory " + dir.toAbsolutePath() + ": " + e.getMessage(), e);
        }
        DirectoryLock lock = DirectoryLock.take(dir);
        try {
            Path file = dir.resolve("state.mv");
            StartCompaction.cleanUp(file);
            createOwnersOnly(file);
            MVStore store = compactedWhenMostlyFree(file, openFile(file));
            ownersOnly(file);
            if (retention != null) {
                store.setRetentionTime((int) retention.toMillis());
            }
            LOGGER.log(Level.INFO, "state kept in " + file.toAbsolutePath()
                    + (fsync ? " (answered writes forced to the disk)" : " (answered writes not forced to the disk: fsync off)"));
            return new MvStateStore(file, store, lock, commitDelay, fsync, writeRate, commitWaits, retention);
        } catch (IOException e) {
            lock.close();
            throw new StateUnavailable("cannot clean up the state directory " + dir.toAbsolutePath() + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            lock.close();
            throw e;
        }
    }

    /** The store, its file first copied to a new one when it is mostly free space (see {@link StartCompaction}). */
    private static MVStore compactedWhenMostlyFree(Path file, MVStore store) {
        if (!StartCompaction.worthIt(store)) {
            return store;
        }
        store.close();
        try {
            StartCompaction.compact(file, MvStateStore::ownersOnly);
        } catch (IOException | RuntimeException e) { // MVStore's compact throws a CompletionException at a full disk
            LOGGER.log(Level.WARNING, "state file " + file + " not compacted (" + e.getMessage() + "): it is used as it is");
        }
        return openFile(file);
    }

    /**
     * Makes the directory, readable by its owner alone when it is new: the store holds session ids,
     * and any user of the machine could take over a session read from it.
     */
    private static void makeOwnersOnly(Path dir) throws IOException {
        if (Files.isDirectory(dir)) {
            warnWhenOthersMayEnter(dir);
            return;
        }
        if (FileSystems.getDefault().supportedFileAttributeViews().contains("posix")) {
            Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        } else {
            Files.createDirectories(dir);
        }
    }

    /** A directory made before (by an operator, or an older version) that others may list or enter. */
    private static void warnWhenOthersMayEnter(Path dir) {
        try {
            Set<PosixFilePermission> granted = Files.getPosixFilePermissions(dir);
            granted.retainAll(EnumSet.of(PosixFilePermission.GROUP_READ, PosixFilePermission.GROUP_EXECUTE,
                    PosixFilePermission.OTHERS_READ, PosixFilePermission.OTHERS_EXECUTE));
            if (!granted.isEmpty()) {
                LOGGER.log(Level.WARNING, "the state directory " + dir.toAbsolutePath() + " is open to other users ("
                        + PosixFilePermissions.toString(Files.getPosixFilePermissions(dir)) + "): its file holds session "
                        + "ids; make it rwx------ (chmod 700)");
            }
        } catch (UnsupportedOperationException | IOException e) {
            // no POSIX permissions here: nothing to tell
        }
    }

    /**
     * Creates the store's file, empty, readable by its owner alone before MVStore opens it: made by
     * MVStore with the umask's permissions, it could be opened by another user of the machine in
     * the moment before {@link #ownersOnly} (and read later through that handle).
     */
    private static void createOwnersOnly(Path file) {
        if (Files.exists(file) || !FileSystems.getDefault().supportedFileAttributeViews().contains("posix")) {
            return;
        }
        try {
            Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        } catch (FileAlreadyExistsException raced) {
            // another start made it: its permissions are set below
        } catch (IOException e) {
            throw new StateUnavailable("cannot create the state file " + file.toAbsolutePath() + ": " + e.getMessage(), e);
        }
    }

    /** The store's file is its owner's alone, whatever the umask made it (see {@link #makeOwnersOnly}). */
    private static void ownersOnly(Path file) {
        try {
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        } catch (UnsupportedOperationException | IOException e) {
            LOGGER.log(Level.WARNING, "could not make " + file + " readable by its owner alone: " + e.getMessage());
        }
    }

    /**
     * Opens the file; a lock still held by a process that just died is waited for a few seconds,
     * and a file left half-written by a kill is opened in MVStore's recovery mode (it falls back to
     * the last complete chunk).
     */
    private static MVStore openFile(Path file) {
        MVStoreException last = null;
        for (int attempt = 0; attempt < 25; attempt++) {
            try {
                return builder(file).open();
            } catch (MVStoreException e) {
                last = e;
                if (!String.valueOf(e.getMessage()).toLowerCase(java.util.Locale.ROOT).contains("locked")) {
                    break;
                }
                java.util.concurrent.locks.LockSupport.parkNanos(Duration.ofMillis(200).toNanos());
            }
        }
        if (last != null && !String.valueOf(last.getMessage()).toLowerCase(java.util.Locale.ROOT).contains("locked")) {
            LOGGER.log(Level.WARNING, "state file " + file + " did not open (" + last.getMessage() + "): recovering");
            try {
                return builder(file).recoveryMode().open();
            } catch (MVStoreException e) {
                last = e;
            }
        }
        throw new StateUnavailable("cannot open the state store " + file.toAbsolutePath() + ": "
                + (last == null ? "unknown" : last.getMessage()), last);
    }

    /** The file, compressed, with no background thread of MVStore's (see the class's comment). */
    private static MVStore.Builder builder(Path file) {
        return new MVStore.Builder().fileName(file.toString()).compress().autoCommitDisabled();
    }

    /**
     * The open store. A write that failed (a full disk, an I/O error) made MVStore close it for good
     * ("panic"), with what was written since the last commit; the file holds every commit before.
     * Such a store is opened again from its file here, at most once a {@link #REOPEN_GAP}, so that
     * once the operator frees space the process stores again (and is ready) without a restart.
     * While it cannot be opened the closed store is returned, whose every use fails.
     */
    private MVStore live() {
        MVStore current = store;
        if (!current.isClosed() || closing) {
            return current;
        }
        synchronized (this) {
            current = store;
            if (!current.isClosed() || closing || System.nanoTime() - reopenedAt < REOPEN_GAP.toNanos()) {
                return current;
            }
            reopenedAt = System.nanoTime();
            try {
                MVStore reopened = openFile(file);
                if (retention != null) {
                    reopened.setRetentionTime((int) retention.toMillis());
                }
                buckets.values().forEach(bucket -> bucket.slot.open(reopened));
                tidying = new Tidying(reopened, every);
                writtenBytes = WrittenBytes.of(reopened).orElse(() -> 0);
                store = reopened;
                batchedLost.set(true);
                LOGGER.log(Level.WARNING, "state store " + file + " opened again after a failed write ("
                        + current.getPanicException() + "): what was not committed before it is gone");
                return reopened;
            } catch (StateUnavailable | MVStoreException | IllegalStateException e) {
                LOGGER.log(Level.DEBUG, () -> "state store " + file + " not opened again yet: " + e.getMessage());
                return current;
            }
        }
    }

    @Override
    public Bucket bucket(String name, Duration ttl) {
        return buckets.computeIfAbsent(name, n -> new Guarded(new Slot(n, ttl, live()), true));
    }

    /** A bucket's map in the open store, opened again with it. */
    private static final class Slot {
        private final String name;
        private final Duration ttl;
        private volatile Opened opened;

        Slot(String name, Duration ttl, MVStore store) {
            this.name = name;
            this.ttl = ttl;
            open(store);
        }

        void open(MVStore store) {
            MVMap<String, byte[]> map = store.openMap(name);
            opened = new Opened(store, new ExpiringMap(map, ttl));
        }
    }

    /** A bucket's map and the store it is in. */
    private record Opened(MVStore store, ExpiringMap map) {
    }

    @Override
    public boolean durable() {
        return true;
    }

    @Override
    public boolean reachable() {
        return reachable && !store.isClosed();
    }

    @Override
    public Commits commits() {
        return groupCommit.counts();
    }

    @Override
    public void sweep() {
        long now = System.currentTimeMillis();
        buckets.values().forEach(bucket -> bucket.sweepAt(now));
    }

    @Override
    public void flush() {
        try {
            live().commit();
            if (batchedLost.getAndSet(false)) {
                throw new StateUnavailable("state store opened again after a failed write: the writes batched before it are gone");
            }
        } catch (MVStoreException | IllegalStateException e) {
            reachable = false;
            throw new StateUnavailable("state store: " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        closing = true;
        LockSupport.unpark(background);
        try {
            background.join(Duration.ofSeconds(10));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            synchronized (this) { // not while live() opens it again
                if (!store.isClosed()) {
                    store.close();
                }
            }
        } finally {
            lock.close();
        }
    }

    /**
     * A bucket's map: turns the engine's failures (disk full, closed store) into
     * {@link StateUnavailable}, and commits after each write unless it is the batched view.
     */
    private final class Guarded implements Bucket {
        private final Slot slot;
        private final boolean waitsForCommit;
        private final Guarded batched;

        Guarded(Slot slot, boolean waitsForCommit) {
            this.slot = slot;
            this.waitsForCommit = waitsForCommit;
            this.batched = waitsForCommit ? new Guarded(slot, false) : this;
        }

        @Override
        public Bucket batched() {
            return batched;
        }

        @Override
        public java.util.Optional<dev.resident.state.Versioned> get(String key) {
            Opened from = opened();
            return guard(() -> from.map().get(key));
        }

        @Override
        public long put(String key, byte[] value) {
            Opened into = opened();
            long revision = guard(() -> into.map().put(key, value));
            awaitCommitted(into.store());
            return revision;
        }

        @Override
        public long update(String key, byte[] value, long expected) {
            Opened into = opened();
            long revision = guard(() -> into.map().update(key, value, expected));
            if (revision != -1) {
                awaitCommitted(into.store());
            }
            return revision;
        }

        @Override
        public void delete(String key) {
            Opened into = opened();
            guard(() -> {
                into.map().delete(key);
                return null;
            });
            awaitCommitted(into.store());
        }

        /**
         * Waits until a commit covers the write just made into {@code wroteTo}, unless this is the
         * batched view. A store opened again meanwhile (after a failed write) does not hold it.
         */
        private void awaitCommitted(MVStore wroteTo) {
            if (waitsForCommit) {
                long start = System.nanoTime();
                guard(() -> {
                    groupCommit.awaitCommit();
                    return null;
                });
                commitWaits.accept(System.nanoTime() - start);
                if (store != wroteTo) {
                    throw new StateUnavailable("state store opened again after a failed write: this write went with it");
                }
            }
        }

        /** The bucket's map in the open store ({@link #live()}). */
        private Opened opened() {
            live();
            return slot.opened;
        }

        void sweepAt(long now) {
            Opened in = opened();
            guard(() -> {
                in.map().sweep(now);
                return null;
            });
        }

        private <T> T guard(java.util.function.Supplier<T> action) {
            try {
                T result = action.get();
                reachable = true;
                return result;
            } catch (MVStoreException | IllegalStateException e) {
                reachable = false;
                throw new StateUnavailable("state store: " + e.getMessage(), e);
            }
        }
    }
}
