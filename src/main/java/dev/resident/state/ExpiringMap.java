package dev.resident.state;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentMap;

/**
 * A {@link Bucket} over any concurrent map of encoded entries (a heap map, an MVStore map): each
 * entry is its revision, its expiry time and its value. Conditional writes go through the map's
 * own atomic {@code compute}.
 */
public final class ExpiringMap implements Bucket {
    private static final int HEADER = 16;
    private final ConcurrentMap<String, byte[]> map;
    private final long ttlMillis;

    /**
     * @param map the entries (read and written only through this class)
     * @param ttl how long an entry lives after its last write; zero for ever
     */
    public ExpiringMap(ConcurrentMap<String, byte[]> map, Duration ttl) {
        this.map = map;
        this.ttlMillis = ttl.toMillis();
    }

    @Override
    public Optional<Versioned> get(String key) {
        byte[] entry = map.get(key);
        return entry == null || expired(entry, System.currentTimeMillis()) ? Optional.empty()
                : Optional.of(new Versioned(Arrays.copyOfRange(entry, HEADER, entry.length), revision(entry)));
    }

    @Override
    public long put(String key, byte[] value) {
        long now = System.currentTimeMillis();
        byte[] written = map.compute(key, (k, old) -> encode(live(old, now) ? revision(old) + 1 : 1, now, value));
        return revision(written);
    }

    @Override
    public long update(String key, byte[] value, long expected) {
        long now = System.currentTimeMillis();
        long[] result = {-1};
        map.compute(key, (k, old) -> {
            long current = live(old, now) ? revision(old) : 0;
            if (current != expected) {
                return old;
            }
            result[0] = old == null ? 1 : Math.max(revision(old), current) + 1;
            return encode(result[0], now, value);
        });
        return result[0];
    }

    @Override
    public void delete(String key) {
        map.remove(key);
    }

    /** Drops the entries expired at {@code now}. */
    public void sweep(long now) {
        for (Map.Entry<String, byte[]> entry : map.entrySet()) {
            if (expired(entry.getValue(), now)) {
                map.remove(entry.getKey(), entry.getValue());
            }
        }
    }

    private boolean live(byte[] entry, long now) {
        return entry != null && !expired(entry, now);
    }

    private static boolean expired(byte[] entry, long now) {
        long expires = ByteBuffer.wrap(entry, 8, 8).getLong();
        return expires != 0 && expires <= now;
    }

    private static long revision(byte[] entry) {
        return ByteBuffer.wrap(entry, 0, 8).getLong();
    }

    private byte[] encode(long revision, long now, byte[] value) {
        return ByteBuffer.allocate(HEADER + value.length)
                .putLong(revision)
                .putLong(ttlMillis == 0 ? 0 : now + ttlMillis)
                .put(value)
                .array();
    }
}
