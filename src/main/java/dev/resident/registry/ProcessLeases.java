package dev.resident.registry;

import dev.resident.state.Bucket;
import dev.resident.state.StateUnavailable;

import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Which processes of the site are alive: each renews its own entry in the {@code processes} bucket
 * (whose ttl is the lease), so a process that died loses it within the lease and its pages may be
 * continued elsewhere. A store not shared with other processes has no leases: nobody else can be
 * running a page. Once given up (a drain) the lease stays given up: the renewal timer runs on
 * while the process lingers, and must not take it back.
 */
final class ProcessLeases {
    private static final System.Logger LOGGER = System.getLogger(ProcessLeases.class.getName());
    private final Bucket bucket;
    private final String self;
    /** Why the last renewal failed, or null: only a change is logged, not every third of the lease. */
    private volatile String failing;
    /** A renewal and the release one at a time, so that no renewal lands after the release. */
    private final ReentrantLock writing = new ReentrantLock();
    private boolean released;

    /**
     * @param bucket the leases, or null when the store is not shared
     * @param self   this process's owner name
     */
    ProcessLeases(Bucket bucket, String self) {
        this.bucket = bucket;
        this.self = self;
    }

    /** Renews this process's lease. */
    void renew() {
        if (bucket == null) {
            return;
        }
        writing.lock();
        try {
            if (!released) {
                bucket.put(self, Long.toString(System.currentTimeMillis()).getBytes(StandardCharsets.US_ASCII));
                if (failing != null) {
                    failing = null;
                    LOGGER.log(Level.INFO, "lease renewed again");
                }
            }
        } catch (StateUnavailable e) {
            String why = e.getMessage() + (e.getCause() == null ? "" : " (" + e.getCause() + ")");
            if (!why.equals(failing)) {
                failing = why;
                LOGGER.log(Level.WARNING, "lease not renewed: " + why);
            }
        } finally {
            writing.unlock();
        }
    }

    /** Gives the lease up (a drain): the process's pages may be continued at once. */
    void release() {
        if (bucket == null) {
            return;
        }
        writing.lock();
        try {
            released = true;
            bucket.delete(self);
        } catch (StateUnavailable e) {
            LOGGER.log(Level.WARNING, "lease not released: " + e.getMessage());
        } finally {
            writing.unlock();
        }
    }

    /** Whether {@code owner}, another process, still holds its lease. */
    boolean alive(String owner) {
        return bucket != null && !owner.equals(self) && bucket.get(owner).isPresent();
    }
}
