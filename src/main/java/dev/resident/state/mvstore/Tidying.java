package dev.resident.state.mvstore;

import org.h2.mvstore.MVMap;
import org.h2.mvstore.MVStore;

/**
 * Lets the state file shrink back while the process runs, after the writes that grew it stop or
 * slow down, through MVStore's own ordinary steps only: no chunk is moved and the retention time is
 * never changed (see bench/README.md, "Thirty-fourth session").
 * <p>
 * MVStore frees a replaced chunk only in a commit that writes something, once the chunk is older
 * than the retention time (45 s) and five versions have passed since it was last used; and it cuts
 * the file's free end only when such a commit writes its chunk before that end. Without MVStore's
 * background thread nothing commits once the writes stop, so the file kept the size of the last
 * 45 s of writes until the next start, and its last chunks, replaced long ago, were never freed.
 * Here, from {@link #period} after the last commit that wrote something until the retention time
 * and four periods more, a tiny commit (a counter in the map {@link MvStateStore#TIDYING_MAP})
 * is made every period: it frees what the last writes replaced and lets MVStore cut the file.
 * <p>
 * What still holds the file's end then is a chunk with live pages in it. While the file is more
 * than {@link StartCompaction#MIN_BYTES} and less than half of it is in chunks (the rest free space
 * between them), the live pages of the chunks older than the retention time are copied to new
 * chunks, {@link MvStateStore#REWRITE_BYTES} at each step (MVStore's {@code compact}, which the
 * background commit runs every second for sparse chunks, asked for any chunk): a new chunk goes
 * into the first free space large enough, near the file's start, so the old ones, freed as above,
 * no longer hold its end. At most twice the live bytes are copied in a window of the retention
 * time and four eighths; after {@link #GIVE_UP_AFTER_WINDOWS} windows in a row that left the file
 * no smaller, the copies stop for {@link #BACK_OFF_RETENTIONS} retention times.
 */
final class Tidying {
    /** Windows of copies in a row that left the file no smaller, after which the copies stop for a while. */
    static final int GIVE_UP_AFTER_WINDOWS = 3;
    /** That while, in retention times. */
    static final int BACK_OFF_RETENTIONS = 12;
    /** Below this share of the file in chunks (percent), its live pages are copied to its start. */
    static final int REWRITE_ALL_BELOW_FILE_FILL = 50;
    private final MVStore store;
    private final MVMap<String, Long> map;
    private final long every;
    private long seenVersion;
    private long ownVersion = -1;
    private long lastWrite;
    private long lastTidy;
    private long windowStart;
    private long windowSize;
    private long windowBytesLeft;
    private int windowsWithoutShrinking;
    private long backOffUntil;
    private long tidyCommits;
    private long rewritesAll;

    Tidying(MVStore store, long everyNanos) {
        this.store = store;
        this.map = store.openMap(MvStateStore.TIDYING_MAP);
        this.every = everyNanos;
        long now = System.nanoTime();
        this.seenVersion = store.getCurrentVersion();
        this.lastWrite = now;
        this.lastTidy = now;
        this.backOffUntil = now;
    }

    private long retention() {
        return Math.max(0, store.getRetentionTime()) * 1_000_000L;
    }

    /** Time between two tidying commits: an eighth of the retention time, at least the commit delay. */
    long period() {
        return Math.max(every, retention() / 8);
    }

    /** One step, on the background commit's thread, after its commit. */
    void step(long now) {
        long version = store.getCurrentVersion();
        if (version != seenVersion) {
            seenVersion = version;
            if (version != ownVersion) {
                lastWrite = now;
            }
        }
        long period = period();
        long quiet = now - lastWrite;
        if (quiet >= period && quiet <= retention() + 4 * period && now - lastTidy >= period) {
            lastTidy = now;
            map.put("commits", ++tidyCommits);
            store.commit();
            ownVersion = store.getCurrentVersion();
            seenVersion = ownVersion;
        }
        if (now - backOffUntil >= 0 && mostlyFree()) {
            if (now - windowStart >= retention() + 4 * period) { // a new window
                long size = store.getFileStore().size();
                windowsWithoutShrinking = windowStart != 0 && size >= windowSize ? windowsWithoutShrinking + 1 : 0;
                windowStart = now;
                windowSize = size;
                windowBytesLeft = 2 * liveBytes() + MvStateStore.REWRITE_BYTES;
                if (windowsWithoutShrinking >= GIVE_UP_AFTER_WINDOWS) {
                    windowsWithoutShrinking = 0;
                    backOffUntil = now + BACK_OFF_RETENTIONS * Math.max(retention(), period);
                    return;
                }
                rewritesAll++;
            }
            if (windowBytesLeft > 0 && store.compact(100, MvStateStore.REWRITE_BYTES)) { // committed by the next commit
                windowBytesLeft -= MvStateStore.REWRITE_BYTES;
            }
        }
    }

    /** The file is large and mostly free space between its chunks. */
    private boolean mostlyFree() {
        return store.getFileStore().size() >= StartCompaction.MIN_BYTES
                && store.getFillRate() < REWRITE_ALL_BELOW_FILE_FILL;
    }

    /** About how many bytes of the file are live pages. */
    private long liveBytes() {
        return store.getFileStore().size() * store.getFillRate() / 100 * store.getFileStore().getChunksFillRate() / 100;
    }

    /** Tidying commits made since the start. */
    long commits() {
        return tidyCommits;
    }

    /** Rounds of copies of live pages to the file's start since the start. */
    long rewritesAll() {
        return rewritesAll;
    }
}
