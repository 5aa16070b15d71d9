package dev.resident.registry;

import dev.resident.page.PageException;
import dev.resident.page.Store;
import dev.resident.state.Bucket;
import dev.resident.state.BucketFull;
import dev.resident.state.StateUnavailable;
import dev.resident.state.Versioned;

import java.time.Duration;
import java.util.Optional;

/**
 * Connections and the user and connection stores in the state store: a session id names the same
 * connection and user after a restart or on another process, until it expires (idle ttl, absolute
 * lifetime) or a login or logout replaces it. A replaced id keeps a mark in the store, so every
 * process of the site answers it as just replaced (see {@link ReplacedSessionIds}).
 */
final class DurableConnections {
    /** Writes of a session's copy elsewhere (its last use) that a claim of its id outwaits before it answers 503. */
    private static final int CLAIM_ATTEMPTS = 8;
    private final Bucket connections;
    /** The connections bucket for writes that may wait for the store's next flush (each writer round ends with one). */
    private final Bucket batched;
    private final Bucket connectionStores;
    private final Bucket users;
    private final boolean shared;
    private final RegistrySettings settings;
    private final StateSettings state;
    private final DocumentLocks documentLocks;
    private final ReplacedSessionIds replacedIds;
    private final RefusedWrites refusedWrites;

    DurableConnections(Buckets buckets, RegistrySettings settings, StateSettings state, DocumentLocks documentLocks,
                       ReplacedSessionIds replacedIds, RefusedWrites refusedWrites) {
        this.refusedWrites = refusedWrites;
        this.documentLocks = documentLocks;
        this.replacedIds = replacedIds;
        this.connections = buckets.connections();
        this.batched = connections.batched();
        this.connectionStores = buckets.connectionStores();
        this.users = buckets.users();
        this.shared = buckets.processes() != null;
        this.settings = settings;
        this.state = state;
    }

    /**
     * The stored connection of session {@code id}, if it is still valid at {@code now}. A mark of
     * a login or logout that replaced the id (on any process) is kept in {@link ReplacedSessionIds}.
     *
     * @throws PageException 503 {@code unavailable} when the store cannot be asked
     */
    Optional<ConnectionRecord> load(String id, long now) {
        Optional<Versioned> stored;
        try {
            stored = connections.get(id);
        } catch (StateUnavailable e) {
            throw new PageException(503, "unavailable", "the session store is unreachable; try again");
        }
        Optional<ConnectionRecord> record = stored.flatMap(
                versioned -> ConnectionRecord.decode(versioned.value(), versioned.revision()));
        if (record.isEmpty() && stored.isPresent()) {
            long replaced = ConnectionRecord.replacedAt(stored.get().value());
            if (replaced >= 0) {
                replacedIds.replacedElsewhere(id, replaced, now);
            }
        }
        return record.filter(valid -> now - valid.seen() <= ttl(valid.identity()).toMillis()
                && now - valid.created() <= state.sessionMaxAge().toMillis());
    }

    /**
     * Whether session {@code id} has no stored copy and was not ended either: the copy went with
     * the store (NATS came back with nothing stored), so the process holding it writes it again.
     *
     * @throws PageException 503 {@code unavailable} when the store cannot be asked
     */
    boolean vanished(String id) {
        try {
            return connections.vanished(id);
        } catch (StateUnavailable e) {
            throw new PageException(503, "unavailable", "the session store is unreachable; try again");
        }
    }

    /** A connection rebuilt from its record. */
    Connection connection(String id, ConnectionRecord record, long now) {
        Connection connection = new Connection(id, record.key(), record.identity(), record.created(), now);
        loaded(connection, record);
        return connection;
    }

    /** Takes what a connection held here learns from its stored copy. */
    void loaded(Connection connection, ConnectionRecord record) {
        connection.restoreAddressShare(record.addressShare());
        connection.boundToHostCookie(record.boundToHostCookie());
        connection.tenure(record.tenure());
        connection.revision(record.revision());
        connection.savedSeen(record.seen());
        connection.checkedAt(System.currentTimeMillis());
    }

    /**
     * A login or a logout takes the session's id before it changes anything: the mark of its
     * replacement goes under the id, over the stored copy only while that still names the holder
     * held here. Of two processes handing one id over at once (a login on one, a logout on the
     * other, each having read the session before the other's mark), only the first gets it; the
     * other changes nothing, so the session never has two live ids, nor its next holders one
     * connection. The mark tells the site's other processes, which may hold the session under the
     * id, to answer it as just replaced; it expires with the bucket's ttl. Stored when this returns:
     * a session handed over never comes back after a kill -9.
     *
     * @return false when another process replaced or ended the id first, or gave it another holder
     * @throws PageException 503 {@code unavailable} when the store cannot be asked, or the copy keeps changing
     */
    boolean claim(Connection connection) {
        String id = connection.id();
        byte[] mark = ConnectionRecord.replacedMark(System.currentTimeMillis());
        long expected = connection.revision();
        try {
            for (int attempt = 0; attempt < CLAIM_ATTEMPTS; attempt++) {
                if (connections.update(id, mark, expected) != -1) {
                    return true;
                }
                Optional<Versioned> current = connections.get(id);
                if (current.isEmpty()) {
                    if (shared && !connections.vanished(id)) {
                        return false; // ended elsewhere (a logout deleted it, or it expired)
                    }
                    expected = 0; // its copy went with the store, or was never written: nobody else took it
                } else if (sameHolder(current.get(), connection)) {
                    expected = current.get().revision(); // only its last use or address moved on
                } else {
                    return false; // replaced elsewhere, or another holder's now
                }
            }
        } catch (StateUnavailable e) {
            throw new PageException(503, "unavailable", "the session store is unreachable; try again");
        }
        throw new PageException(503, "unavailable", "the session changed while it was handed over; try again")
                .retryAfter(1);
    }

    /** Whether a stored copy names the holder held here: the same connection, tenure and identity. */
    private static boolean sameHolder(Versioned stored, Connection connection) {
        return ConnectionRecord.decode(stored.value(), stored.revision())
                .filter(record -> record.key().equals(connection.key()) && record.tenure().equals(connection.tenure())
                        && record.identity().equals(connection.identity()))
                .isPresent();
    }

    /**
     * A login or a logout that {@link #claim claimed} the session's old id: the connection under
     * its new id, stored when this returns.
     */
    void replace(Connection connection) {
        write(connections, connection);
    }

    /**
     * Writes the connection in the state writer's round (which ends with the store's flush),
     * conditional on the revision this process last saw.
     *
     * @return false when the stored session ended meanwhile (deleted by a logout elsewhere)
     */
    boolean writeInRound(Connection connection) {
        try {
            boolean written = write(batched, connection);
            if (written) {
                keepAlive(connectionStores, StateKeys.connectionStore(connection.key(), connection.tenure()));
                keepAlive(connectionStores, connection.key()); // an earlier version's copy, read while the above is not written
                keepAlive(users, StateKeys.user(connection.user()));
            }
            return written;
        } catch (BucketFull full) {
            refusedWrites.refused("session of " + connection.user(), full); // a new guest's, as a stored one is written over
            return true;
        }
    }

    /**
     * Writes a {@code Store} again as it is, so that its ttl counts from now: a connection's store
     * and its user's live as long as the connection is in use (its record is written again every
     * eighth of its ttl), not only a ttl past their last write. Conditional on the revision read: a
     * write of the store meanwhile wins, and renews it as well.
     */
    private static void keepAlive(Bucket bucket, String key) {
        try {
            bucket.get(key).ifPresent(stored -> bucket.batched().update(key, stored.value(), stored.revision()));
        } catch (StateUnavailable e) { // a full bucket too
            // written again at the connection's next refresh; until then its ttl runs
        }
    }

    private boolean write(Bucket into, Connection connection) {
        long now = System.currentTimeMillis();
        byte[] bytes = ConnectionRecord.of(connection).encode();
        long revision = into.update(connection.id(), bytes, connection.revision());
        if (revision == -1) {
            Optional<Versioned> current = connections.get(connection.id());
            if (current.isEmpty() ? !connections.vanished(connection.id())
                    : ConnectionRecord.replacedAt(current.get().value()) >= 0) {
                return false; // deleted, or replaced by a login or logout elsewhere: ended under this id
            }
            if (current.isPresent() && switchedElsewhere(current.get(), connection)) {
                connection.checkedAt(0); // its next request here takes the stored copy first
                return true;
            }
            // the stored copy moved on (its last use, its address share), or went with the store (written again as new)
            revision = into.update(connection.id(), bytes, current.map(Versioned::revision).orElse(0L));
            if (revision == -1) {
                return true; // another process wrote just now: its copy is as fresh
            }
        }
        connection.revision(revision);
        connection.savedSeen(now);
        return true;
    }

    /**
     * Whether the stored copy, written since this process last read it, is of a switch of the
     * session (a followed one's, which keeps its id) that this process has not seen: another
     * holder (a tenure that is neither this copy's nor the one this process moved it on from), or
     * the same holder's login from a guest (the only change within a tenure that is not its last
     * use or its roles). Written over, the copy held here would take the session back to whoever
     * held it before, on every process that reads it.
     */
    private static boolean switchedElsewhere(Versioned stored, Connection connection) {
        Optional<ConnectionRecord> record = ConnectionRecord.decode(stored.value(), stored.revision());
        if (record.isEmpty()) {
            return false; // not one this version reads: written over
        }
        if (fromBeforeOwnSwitch(record.get(), connection)) {
            return false; // this copy is the newer
        }
        return !record.get().tenure().equals(connection.tenure())
                || connection.identity().guest() && !record.get().identity().guest();
    }

    /**
     * Whether the stored copy is of the session as it was before a switch this process made: of
     * the tenure it moved the session on from, or of the guest that then logged in here (a tenure
     * goes from a user to a guest only under a new tenure). Another process that had not heard of
     * the switch wrote it (its last use); the switch is newer, and stays.
     */
    static boolean fromBeforeOwnSwitch(ConnectionRecord stored, Connection connection) {
        return stored.tenure().equals(connection.switchedFrom())
                || stored.tenure().equals(connection.tenure()) && stored.identity().guest()
                && !connection.identity().guest();
    }

    /**
     * Removes a connection that ended (expired, discarded) at the store's next flush: one that
     * comes back after a kill -9 is expired or a fresh guest's, and ends again.
     */
    void delete(String id) {
        try {
            batched.delete(id);
        } catch (StateUnavailable e) {
            // it expires with its ttl
        }
    }

    /** Whether a shared store may hold a newer copy of a connection held here. */
    boolean mustRecheck(Connection connection, long now) {
        return shared && now - connection.checkedAt() > state.recheck().toMillis();
    }

    /** Whether the stored copy should learn that the connection is still in use. */
    boolean dueForRefresh(Connection connection, long now) {
        return now - connection.savedSeen() > ttl(connection.identity()).toMillis() / 8;
    }

    /** Whether a connection outlived its absolute lifetime. */
    boolean expired(Connection connection, long now) {
        return now - connection.createdAt() > state.sessionMaxAge().toMillis();
    }

    /** Whether a connection without pages has been idle past its ttl. */
    boolean idle(Connection connection, long now) {
        return now - connection.lastSeen() > ttl(connection.identity()).toMillis();
    }

    /**
     * Empties the {@code Store} of a connection's present holder (its user's session goes to someone
     * else, who gets a new tenure and so a store of its own).
     */
    void clearConnectionStore(Connection connection) {
        connectionStores.delete(StateKeys.connectionStore(connection.key(), connection.tenure()));
        connectionStores.delete(connection.key()); // where an earlier version kept it, for every holder
    }

    /** The {@code Store} of a connection while {@code tenure} holds it ({@link StateKeys#connectionStore}). */
    Store connectionStore(String connectionKey, String tenure) {
        String key = StateKeys.connectionStore(connectionKey, tenure);
        // an earlier version kept the store under the connection's key alone: read there until written here
        return new JsonDocumentStore(connectionStores, key, key.equals(connectionKey) ? null : connectionKey,
                state.maxStoreBytes(), documentLocks);
    }

    Store userStore(String user) {
        return new JsonDocumentStore(users, StateKeys.user(user), state.maxStoreBytes(), documentLocks);
    }

    private Duration ttl(Identity identity) {
        return identity.guest() ? settings.guestTtl() : settings.userTtl();
    }

}
