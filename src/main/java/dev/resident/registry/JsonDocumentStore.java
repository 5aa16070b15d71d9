package dev.resident.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.resident.json.Json;
import dev.resident.page.PageException;
import dev.resident.page.Store;
import dev.resident.state.Bucket;
import dev.resident.state.StateUnavailable;
import dev.resident.state.Versioned;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BiFunction;

/**
 * A {@link Store} kept as one JSON object in a state bucket: reads go to the bucket, writes are
 * conditional on the revision read, and run again when another process wrote meanwhile.
 */
final class JsonDocumentStore implements Store {
    /**
     * Conditional writes tried before giving up. Only another process's write of the document can
     * make one fail (this process's writers take turns), and a hot document may lose several in a
     * row: each try is one round trip.
     */
    private static final int ATTEMPTS = 64;
    /**
     * After this many lost tries, a random pause before each next one, of up to twice the time the
     * lost try took (at least {@link #MIN_PAUSE_NANOS}): the other process's writer comes round once
     * in about that time, so the next try starts at a random point of its round instead of losing
     * in step with it, however slow the machine or the store.
     */
    private static final int TRIES_BEFORE_PAUSES = 8;
    private static final long MIN_PAUSE_NANOS = 2_000_000;
    private final Bucket bucket;
    private final String key;
    /** Where an earlier version kept this document, read while nothing is stored under {@link #key}; null: nowhere. */
    private final String formerKey;
    private final int maxBytes;
    private final DocumentLocks locks;

    /**
     * @param maxBytes a write that would make the document larger is refused with 413 {@code too_large}
     * @param locks    this process's locks of stored documents, shared by every store of the process
     */
    JsonDocumentStore(Bucket bucket, String key, int maxBytes, DocumentLocks locks) {
        this(bucket, key, null, maxBytes, locks);
    }

    /**
     * A document that an earlier version kept under {@code formerKey}: while nothing is stored
     * under {@code key} it reads as the one there, and its first change writes it under {@code key}.
     */
    JsonDocumentStore(Bucket bucket, String key, String formerKey, int maxBytes, DocumentLocks locks) {
        this.bucket = bucket;
        this.key = key;
        this.formerKey = formerKey;
        this.maxBytes = maxBytes;
        this.locks = locks;
    }

    @Override
    @SuppressWarnings("unchecked")
    public <V> Optional<V> get(String name) {
        JsonNode value = read().document().get(name);
        return value == null || value.isNull() ? Optional.empty() : Optional.of((V) Json.convert(value, Object.class));
    }

    @Override
    public <V> Optional<V> get(String name, Class<V> type) {
        JsonNode value = read().document().get(name);
        return value == null || value.isNull() ? Optional.empty() : Optional.of(Json.convert(value, type));
    }

    @Override
    public void put(String name, Object value) {
        JsonNode tree = Json.toTree(value);
        change(document -> document.set(name, tree));
    }

    @Override
    public void putAll(Map<String, ?> values) {
        Map<String, JsonNode> trees = new LinkedHashMap<>();
        values.forEach((name, value) -> trees.put(name, Json.toTree(value)));
        change(document -> document.setAll(trees));
    }

    @Override
    public void remove(String name) {
        change(document -> document.remove(name));
    }

    @Override
    @SuppressWarnings("unchecked")
    public <V> V compute(String name, BiFunction<String, V, V> update) {
        Object[] result = new Object[1];
        change(document -> {
            JsonNode old = document.get(name);
            V next = update.apply(name, old == null || old.isNull() ? null : (V) Json.convert(old, Object.class));
            result[0] = next;
            if (next == null) {
                document.remove(name);
            } else {
                document.set(name, Json.toTree(next));
            }
        });
        return (V) result[0];
    }

    @Override
    public int size() {
        return read().document().size();
    }

    /**
     * Reads, edits and writes the document conditionally on what it read, again when another
     * process wrote it meanwhile; this process's own writers of the document wait for each other.
     */
    private void change(java.util.function.Consumer<ObjectNode> edit) {
        locks.run(bucket, key, () -> {
            for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
                long started = System.nanoTime();
                Current current = read();
                edit.accept(current.document());
                if (Json.deeperThan(current.document(), Json.MAX_DEPTH)) {
                    // written, it could not be read again: every use of the store (a shared one:
                    // every user's) would fail until the document is deleted by hand
                    throw PageException.unprocessable("a value nested deeper than the store can read back");
                }
                byte[] bytes = Json.bytes(current.document());
                if (bytes.length > maxBytes) {
                    throw new PageException(413, "too_large", "the store would exceed " + maxBytes + " bytes");
                }
                if (bucket.update(key, bytes, current.revision()) != -1) {
                    return;
                }
                if (attempt >= TRIES_BEFORE_PAUSES) {
                    pauseBeforeNextTry(System.nanoTime() - started); // out of step with the other process's writers
                }
            }
            throw new StateUnavailable("store " + key + " kept changing under " + ATTEMPTS + " attempts");
        });
    }

    private static void pauseBeforeNextTry(long lostTryNanos) {
        LockSupport.parkNanos(ThreadLocalRandom.current().nextLong(Math.max(MIN_PAUSE_NANOS, 2 * lostTryNanos)));
    }

    private Current read() {
        Optional<Versioned> stored = bucket.get(key);
        if (stored.isEmpty() && formerKey != null) {
            stored = bucket.get(formerKey); // written under key at its first change: revision 0 there
            return new Current(stored.map(JsonDocumentStore::document).orElseGet(Json::object), 0);
        }
        return stored.map(versioned -> new Current(document(versioned), versioned.revision()))
                .orElseGet(() -> new Current(Json.object(), 0));
    }

    private static ObjectNode document(Versioned stored) {
        return Json.parse(stored.value()) instanceof ObjectNode object ? object : Json.object();
    }

    private record Current(ObjectNode document, long revision) {
    }
}
