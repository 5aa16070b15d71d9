package dev.resident.page;

import java.util.Map;
import java.util.Optional;
import java.util.function.BiFunction;

/**
 * A server-side key-value store shared by the pages of a user, of a connection, or of the whole
 * site. Values are JSON: what is put is converted as Jackson would serialise it, and what is read
 * comes back as JSON-shaped Java values ({@code String}, {@code Integer}/{@code Long},
 * {@code Double}, {@code Boolean}, {@code List}, {@code Map}) or, with a class, converted to it.
 * The stores live in the state store, so they outlive the process and are the same on every
 * process of a site; each operation reads or writes it, and a write is stored before it returns
 * (it survives a kill -9 of the process). When the state store cannot be reached, an operation
 * throws, and a call it ran in answers 500 {@code store_unavailable}: the call may have partly
 * run, so clients do not send it again by themselves.
 *
 * <p>Each store is bounded in bytes ({@code resident.state.max-store-bytes}, 64 KiB): a write that
 * would pass the bound throws a {@link PageException} 413 {@code too_large} and changes nothing. A
 * store that many users write (the global store) must keep itself within it, dropping old entries
 * by their size rather than their count, or one user's large values stop everyone's writes (the
 * demo's {@code StoredOrderBook} does so). A write that would nest arrays and objects more than 64
 * deep, the store's own object counting as one (a client's params kept a level or two down), throws
 * a {@link PageException} 422 {@code unprocessable} and changes nothing: the store could not be
 * read back.
 */
public interface Store {

    /** The value of {@code key}, as JSON-shaped Java values. */
    <V> Optional<V> get(String key);

    /** The value of {@code key} converted to {@code type}. */
    <V> Optional<V> get(String key, Class<V> type);

    /** Sets a value (any Jackson-serialisable object). */
    void put(String key, Object value);

    /**
     * Sets several values in one write: all of them or, when the store would grow past its bound,
     * none. Each write waits for the store (a commit, a round trip), so page code that sets many
     * keys at once should use this rather than a loop of {@link #put}.
     */
    void putAll(Map<String, ?> values);

    void remove(String key);

    /**
     * Atomically updates one value (the old value is JSON-shaped, or null); returning null removes
     * it. On a shared store the update may run again when another process wrote meanwhile. This
     * process's other writes of the store wait while it runs, so keep it short: compute what you
     * can before, and do not hand work to another thread that writes a store and wait for it.
     */
    <V> V compute(String key, BiFunction<String, V, V> update);

    /** How many keys the store holds. */
    int size();
}
