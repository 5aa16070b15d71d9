package dev.resident.state;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** {@code STATE_STORE=memory}: buckets in this process's heap; nothing outlives it. */
public final class MemoryStateStore implements StateStore {
    private final Map<String, ExpiringMap> buckets = new ConcurrentHashMap<>();

    @Override
    public Bucket bucket(String name, Duration ttl) {
        return buckets.computeIfAbsent(name, n -> new ExpiringMap(new ConcurrentHashMap<>(), ttl));
    }

    @Override
    public boolean durable() {
        return false;
    }

    @Override
    public boolean reachable() {
        return true;
    }

    @Override
    public void sweep() {
        long now = System.currentTimeMillis();
        buckets.values().forEach(bucket -> bucket.sweep(now));
    }

    @Override
    public void close() {
        buckets.clear();
    }
}
