package dev.resident.state.nats;

import dev.resident.state.Bucket;
import dev.resident.state.BucketFull;
import dev.resident.state.StateUnavailable;
import dev.resident.state.StateUnreachable;
import dev.resident.state.Versioned;
import io.nats.client.Connection;
import io.nats.client.JetStream;
import io.nats.client.JetStreamApiException;
import io.nats.client.JetStreamManagement;
import io.nats.client.JetStreamOptions;
import io.nats.client.KeyValue;
import io.nats.client.KeyValueManagement;
import io.nats.client.KeyValueOptions;
import io.nats.client.PublishOptions;
import io.nats.client.api.KeyValueEntry;
import io.nats.client.api.KeyValueOperation;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

/**
 * One JetStream KV bucket, made on first use or brought to its settings ({@link KvProvisioning}:
 * file storage, one value per key, the bucket's ttl as max age, its bound as max bytes). A full bucket refuses new keys with
 * {@link BucketFull} and still takes writes over stored ones. A conditional write is the KV's own
 * {@code create}/{@code update} on the key's revision; {@link #updateAsync} publishes the same
 * conditional write to the bucket's subject without waiting, so a writer pipelines a round of
 * writes over one connection.
 */
final class KvBucket implements Bucket {
    /** JetStream's "wrong last sequence" error: another writer came first. */
    private static final int WRONG_LAST_SEQUENCE = 10071;
    /** JetStream's "stream not found" error: the bucket is gone. */
    private static final int STREAM_NOT_FOUND = 10059;
    /** JetStream's "no message found" error: the subject holds nothing, not even a delete marker. */
    private static final int NO_MESSAGE_FOUND = 10037;
    /** JetStream's "maximum bytes exceeded" error: the bucket holds its bound (a new key is refused). */
    private static final int MAXIMUM_BYTES_EXCEEDED = 10077;
    private static final System.Logger LOGGER = System.getLogger(KvBucket.class.getName());
    private final KvStateStore store;
    private final String name;
    private final Duration ttl;
    private final Duration timeout;
    /** The most bytes the bucket holds; 0: no bound. */
    private final long maxBytes;
    private volatile KeyValue kv;
    private volatile JetStream js;
    private volatile JetStreamManagement jsm;
    private volatile Connection boundTo;

    KvBucket(KvStateStore store, String name, Duration ttl, Duration timeout, long maxBytes) {
        this.store = store;
        this.name = name;
        this.ttl = ttl;
        this.timeout = timeout;
        this.maxBytes = maxBytes;
    }

    @Override
    public Optional<Versioned> get(String key) {
        return call(kv -> {
            KeyValueEntry entry = kv.get(key);
            return entry == null || entry.getOperation() != KeyValueOperation.PUT || entry.getValue() == null
                    ? Optional.<Versioned>empty()
                    : Optional.of(new Versioned(entry.getValue(), entry.getRevision()));
        });
    }

    @Override
    public long put(String key, byte[] value) {
        return call(kv -> kv.put(key, value));
    }

    @Override
    public long update(String key, byte[] value, long expected) {
        return call(kv -> {
            try {
                return expected == 0 ? kv.create(key, value) : kv.update(key, value, expected);
            } catch (JetStreamApiException e) {
                if (e.getApiErrorCode() == WRONG_LAST_SEQUENCE) {
                    return -1L;
                }
                throw e;
            }
        });
    }

    /**
     * What {@link KeyValue#update} and {@link KeyValue#create} send (a publish to {@code $KV.<bucket>.<key>}
     * that expects the key's last sequence), without waiting for its answer. While the link
     * reconnects the client refuses it (nothing sent): it waits for the link, as {@link #update}
     * does, up to the request timeout, on a virtual thread of its own, so a round's writes wait
     * together rather than one after another. A create refused because the key's last entry is a
     * delete marker goes through {@link #update}, which writes over the marker.
     */
    @Override
    public CompletableFuture<Long> updateAsync(String key, byte[] value, long expected) {
        long deadline = System.nanoTime() + timeout.toNanos();
        if (!store.reconnecting()) {
            CompletableFuture<Long> sent = attempt(key, value, expected, store::connection);
            if (sent != null) {
                return sent;
            } // the link went down just now: wait for it below
        }
        return CompletableFuture.supplyAsync(() -> publishWhenLinked(key, value, expected, deadline),
                Thread::startVirtualThread).thenCompose(written -> written);
    }

    /** The publish, sent once the link is up; refused while it reconnects, it goes again until {@code deadline}. */
    private CompletableFuture<Long> publishWhenLinked(String key, byte[] value, long expected, long deadline) {
        while (true) {
            CompletableFuture<Long> sent = attempt(key, value, expected, () -> store.connected(deadline));
            if (sent != null) {
                return sent;
            }
            if (System.nanoTime() - deadline >= 0) {
                return CompletableFuture.failedFuture(store.failed(new StateUnreachable(
                        "NATS KV " + name + ": no link within " + timeout.toMillis() + " ms", null)));
            }
        }
    }

    /**
     * One try of the publish on {@code connection}'s link: the store's answer, or a failure; null
     * when the client refused it unsent because the link is reconnecting (it may go again).
     */
    private CompletableFuture<Long> attempt(String key, byte[] value, long expected, Supplier<Connection> connection) {
        try {
            return answer(publish(key, value, expected, connection.get()), key, value, expected);
        } catch (IllegalStateException refused) {
            return unsent(refused) ? null : unavailable(refused);
        } catch (IOException | JetStreamApiException | IllegalArgumentException e) {
            return unavailable(e);
        } catch (StateUnavailable e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    private CompletableFuture<Long> publish(String key, byte[] value, long expected, Connection connection)
            throws IOException, JetStreamApiException {
        kv(connection);
        return js.publishAsync("$KV." + name + "." + key, value,
                        PublishOptions.builder().expectedLastSubjectSequence(expected).build())
                .thenApply(ack -> ack.getSeqno());
    }

    /**
     * Whether the client refused a request without sending it because the link is reconnecting:
     * its own refusal is a plain IllegalStateException; a CancellationException (a subclass) ends
     * a request that was sent, which must not go again.
     */
    private boolean unsent(IllegalStateException refused) {
        return refused.getClass() == IllegalStateException.class && store.reconnecting();
    }

    private <T> CompletableFuture<T> unavailable(Exception e) {
        return CompletableFuture.failedFuture(
                store.failed(new StateUnavailable("NATS KV " + name + ": " + e.getMessage(), e)));
    }

    /** The store's answer to a publish sent: its revision, -1 when another writer came first. */
    private CompletableFuture<Long> answer(CompletableFuture<Long> written, String key, byte[] value, long expected) {
        return written.orTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS).handle((revision, error) -> {
            if (error == null) {
                store.answered();
                return CompletableFuture.completedFuture(revision);
            }
            Throwable cause = error;
            while ((cause instanceof CompletionException || cause instanceof ExecutionException
                    || cause.getClass() == RuntimeException.class) && cause.getCause() != null) {
                cause = cause.getCause(); // the client wraps the server's answer
            }
            if (cause instanceof JetStreamApiException api && api.getApiErrorCode() == MAXIMUM_BYTES_EXCEEDED) {
                store.answered();
                return CompletableFuture.<Long>failedFuture(full(api));
            }
            if (cause instanceof JetStreamApiException api && api.getApiErrorCode() == WRONG_LAST_SEQUENCE) {
                store.answered();
                return expected == 0
                        ? CompletableFuture.supplyAsync(() -> update(key, value, 0), Thread::startVirtualThread)
                        : CompletableFuture.completedFuture(-1L);
            }
            unbindWhenGone(cause);
            String why = cause instanceof TimeoutException ? "no answer in " + timeout.toMillis() + " ms" : cause.getMessage();
            return CompletableFuture.<Long>failedFuture(
                    store.failed(new StateUnavailable("NATS KV " + name + ": " + why, cause)));
        }).thenCompose(future -> future);
    }

    @Override
    public void delete(String key) {
        call(kv -> {
            kv.delete(key);
            return null;
        });
    }

    /** A value or a delete marker is the last message on the key's subject; a key that vanished has none. */
    @Override
    public boolean vanished(String key) {
        return call(kv -> {
            try {
                jsm.getLastMessage("KV_" + name, "$KV." + name + "." + key);
                return false;
            } catch (JetStreamApiException e) {
                if (e.getApiErrorCode() == NO_MESSAGE_FOUND) {
                    return true;
                }
                throw e;
            }
        });
    }

    /**
     * Runs a request once the link is up. The client refuses a request while it reconnects
     * (nothing sent): it waits for the link and goes again, until the request timeout. A request
     * sent and not answered is not sent again: it may have been stored.
     */
    private <T> T call(KvCall<T> action) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            try {
                T result = action.apply(kv(store.connected(deadline)));
                store.answered();
                return result;
            } catch (IllegalStateException refused) {
                if (!unsent(refused) || System.nanoTime() - deadline >= 0) {
                    throw store.failed(new StateUnavailable("NATS KV " + name + ": " + refused.getMessage(), refused));
                }
            } catch (JetStreamApiException e) {
                if (e.getApiErrorCode() == MAXIMUM_BYTES_EXCEEDED) {
                    store.answered();
                    throw full(e);
                }
                unbindWhenGone(e);
                throw store.failed(new StateUnavailable("NATS KV " + name + ": " + e.getMessage(), e));
            } catch (IOException e) {
                unbindWhenGone(e);
                throw store.failed(new StateUnavailable("NATS KV " + name + ": " + e.getMessage(), e));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new StateUnavailable("interrupted", e);
            }
        }
    }

    private BucketFull full(JetStreamApiException e) {
        return new BucketFull("NATS KV " + name + " holds its most bytes (" + maxBytes + "): a new key is refused", e);
    }

    /**
     * Forgets the bucket's binding when {@code failure} says its stream may be gone (NATS came
     * back with nothing stored, or someone deleted it), so the next request makes the bucket
     * again; kept, every request would fail until the process restarts. A request to a stream
     * that is gone has no one to answer it: a write fails with "no responders", a read of a
     * bucket with direct gets times out. Any failed request counts, as binding again costs only
     * a request or two once NATS answers.
     */
    private void unbindWhenGone(Throwable failure) {
        boolean gone = failure instanceof JetStreamApiException api && api.getApiErrorCode() == STREAM_NOT_FOUND
                || failure instanceof IOException;
        if (gone) {
            synchronized (this) {
                kv = null;
                boundTo = null;
            }
        }
    }

    /** The bucket on {@code connection}, created when it does not exist yet. */
    private KeyValue kv(Connection connection) throws IOException, JetStreamApiException {
        KeyValue current = kv;
        if (current != null && boundTo == connection) {
            return current;
        }
        synchronized (this) {
            if (kv == null || boundTo != connection) {
                JetStreamOptions js = JetStreamOptions.builder().requestTimeout(timeout).build();
                KeyValueManagement management = connection.keyValueManagement(
                        KeyValueOptions.builder().jetStreamOptions(js).build());
                KvProvisioning.provide(management, name, ttl, maxBytes);
                kv = connection.keyValue(name, KeyValueOptions.builder().jetStreamOptions(js).build());
                this.js = connection.jetStream(js);
                this.jsm = connection.jetStreamManagement(js);
                boundTo = connection;
            }
            return kv;
        }
    }

    @FunctionalInterface
    private interface KvCall<T> {
        T apply(KeyValue kv) throws IOException, JetStreamApiException, InterruptedException;
    }
}
