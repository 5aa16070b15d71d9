package dev.resident.state.nats;

import dev.resident.state.Bucket;
import dev.resident.state.StateStore;
import dev.resident.state.StateUnavailable;
import io.nats.client.Connection;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.ToLongFunction;

/**
 * JetStream KV buckets named {@code <prefix>_<bucket>} on the process's shared NATS connection.
 * Until the connection is first made, and while it reconnects ({@link KvLink}), requests wait for
 * it up to the request timeout, then fail with {@link StateUnavailable}.
 */
public final class KvStateStore implements StateStore {
    private final CompletableFuture<Connection> connection;
    private final String prefix;
    private final Duration timeout;
    private final ToLongFunction<String> maxBytes;
    private final Map<String, KvBucket> buckets = new ConcurrentHashMap<>();
    private volatile boolean reachable = true;
    private final KvLink link = new KvLink();
    private final AtomicBoolean watching = new AtomicBoolean();

    /**
     * @param connection completes with the shared connection once it is made
     * @param prefix     first part of the bucket names (the site's subject prefix)
     * @param timeout    longest wait of one request
     * @param maxBytes   the most bytes each bucket holds, by bucket name (0: no bound)
     */
    public KvStateStore(CompletableFuture<Connection> connection, String prefix, Duration timeout,
                        ToLongFunction<String> maxBytes) {
        this.connection = connection;
        this.prefix = prefix.replaceAll("[^A-Za-z0-9_-]", "_");
        this.timeout = timeout;
        this.maxBytes = maxBytes;
    }

    @Override
    public Bucket bucket(String name, Duration ttl) {
        return buckets.computeIfAbsent(name, n -> new KvBucket(this, prefix + "_" + n, ttl, timeout, maxBytes.applyAsLong(n)));
    }

    @Override
    public boolean durable() {
        return true;
    }

    @Override
    public boolean shared() {
        return true;
    }

    @Override
    public boolean reachable() {
        return reachable && connection.isDone() && connection.getNow(null) != null
                && connection.getNow(null).getStatus() == Connection.Status.CONNECTED;
    }

    @Override
    public int waitingForLink() {
        return link.waiting();
    }

    /** The connection, waiting for the first one up to the request timeout. */
    Connection connection() {
        try {
            Connection current = connection.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            if (watching.compareAndSet(false, true)) {
                link.watch(current);
            }
            return current;
        } catch (TimeoutException | ExecutionException e) {
            throw failed(new StateUnavailable("NATS is not connected", e));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StateUnavailable("interrupted", e);
        }
    }

    /**
     * The connection once it is up, waiting while it reconnects until {@code deadline}
     * ({@link System#nanoTime}); still down after that, a request fails as the client refuses it.
     */
    Connection connected(long deadline) {
        Connection current = connection();
        try {
            link.awaitConnected(current, deadline);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StateUnavailable("interrupted", e);
        }
        return current;
    }

    /** Whether a request refused by the client can wait for the link and be sent again. */
    boolean reconnecting() {
        Connection current = connection.getNow(null);
        return current != null && KvLink.reconnecting(current);
    }

    StateUnavailable failed(StateUnavailable e) {
        reachable = false;
        return e;
    }

    void answered() {
        reachable = true;
    }

    @Override
    public void close() {
        // the connection belongs to the process and is closed with it
    }
}
