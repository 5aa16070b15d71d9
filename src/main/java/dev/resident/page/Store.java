package dev.resident.page;

import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiFunction;

/** A server-side key-value store shared by the pages of a user, of a connection, or of the whole process. */
public final class Store {
    private final Map<String, Object> values = new ConcurrentHashMap<>();

    @SuppressWarnings("unchecked")
    public <V> Optional<V> get(String key) {
        return Optional.ofNullable((V) values.get(key));
    }

    public void put(String key, Object value) {
        values.put(key, value);
    }

    public void remove(String key) {
        values.remove(key);
    }

    /** Atomically updates one value, as {@link java.util.concurrent.ConcurrentHashMap#compute}. */
    @SuppressWarnings("unchecked")
    public <V> V compute(String key, BiFunction<String, V, V> update) {
        return (V) values.compute(key, (k, old) -> update.apply(k, (V) old));
    }

    public int size() {
        return values.size();
    }
}
