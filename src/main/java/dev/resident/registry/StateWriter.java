package dev.resident.registry;

import dev.resident.metrics.ResidentMeters;
import dev.resident.page.engine.ResidentPage;
import dev.resident.state.StateUnavailable;

import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

/**
 * Writes changed pages and connections to the state store off the call path: calls only mark them
 * changed; every {@code interval} one virtual thread writes the latest state of each (many changes
 * of one page become one write). While the store is unreachable the marks stay and the next round
 * tries again: memory stays bounded by the number of live pages and connections.
 */
final class StateWriter implements AutoCloseable {
    private static final System.Logger LOGGER = System.getLogger(StateWriter.class.getName());
    /** Writes of one round in flight at once. */
    private static final int PARALLEL = 16;
    private final Map<ResidentPage, Long> pages = new ConcurrentHashMap<>();
    private final Map<Connection, Boolean> connections = new ConcurrentHashMap<>();
    private final Consumer<ResidentPage> pageWriter;
    private final Consumer<Connection> connectionWriter;
    private final Runnable afterRound;
    /** Writes taken from the marks and not yet durable. */
    private final AtomicInteger inFlight = new AtomicInteger();
    private final ResidentMeters meters;
    private final Duration interval;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition wake = lock.newCondition();
    private final Thread thread;
    private volatile boolean closed;
    private volatile boolean failing;

    /**
     * @param pageWriter       writes one page (throws {@link StateUnavailable} when it cannot)
     * @param connectionWriter writes one connection (likewise)
     * @param afterRound       makes a round's writes durable (the store's flush)
     */
    StateWriter(Consumer<ResidentPage> pageWriter, Consumer<Connection> connectionWriter, Runnable afterRound,
                ResidentMeters meters, Duration interval) {
        this.pageWriter = pageWriter;
        this.connectionWriter = connectionWriter;
        this.afterRound = afterRound;
        this.meters = meters;
        this.interval = interval;
        this.thread = Thread.ofVirtual().name("resident-state-writer").start(this::run);
    }

    void changed(ResidentPage page) {
        pages.putIfAbsent(page, System.nanoTime());
    }

    void changed(Connection connection) {
        connections.put(connection, Boolean.TRUE);
    }

    /** Forgets a page that is gone (closed by its client, expired or moved away). */
    void forget(ResidentPage page) {
        pages.remove(page);
    }

    /** Forgets a connection that is gone or was just written by its caller. */
    void forget(Connection connection) {
        connections.remove(connection);
    }

    /** Changes not yet durable: marked, or taken by a round that has not ended. */
    int pending() {
        return pages.size() + connections.size() + inFlight.get();
    }

    /** Whether the last round could not write (the store is unreachable). */
    boolean failing() {
        return failing;
    }

    /**
     * Writes everything marked so far, now, on the caller's thread.
     *
     * @return true when nothing is left to write
     */
    boolean flush() {
        lock.lock();
        try {
            return writeAll();
        } finally {
            lock.unlock();
        }
    }

    private void run() {
        while (!closed) {
            lock.lock();
            try {
                wake.awaitNanos(interval.toNanos());
                if (!closed) {
                    writeAll();
                }
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                LOGGER.log(Level.ERROR, "state writer round failed", e);
            } finally {
                lock.unlock();
            }
        }
    }

    /**
     * One round: connections, then pages, each written by up to {@link #PARALLEL} virtual threads
     * (a remote store answers each write in about a round trip); what fails is marked again and
     * the round ends, so an unreachable store is not hammered.
     */
    private boolean writeAll() {
        List<Write> writes = new ArrayList<>();
        for (Connection connection : connections.keySet()) {
            if (connections.remove(connection) != null) {
                writes.add(new Write(() -> {
                    connectionWriter.accept(connection);
                    meters.stateWrites.increment();
                }, () -> connections.put(connection, Boolean.TRUE)));
            }
        }
        for (Map.Entry<ResidentPage, Long> entry : pages.entrySet()) {
            ResidentPage page = entry.getKey();
            long since = entry.getValue();
            if (pages.remove(page, since)) {
                writes.add(new Write(() -> {
                    pageWriter.accept(page);
                    meters.stateWrites.increment();
                    meters.snapshotLag.record(Duration.ofNanos(System.nanoTime() - since));
                }, () -> pages.putIfAbsent(page, since)));
            }
        }
        inFlight.addAndGet(writes.size());
        StateUnavailable failure;
        try {
            failure = run(writes);
            if (failure == null && !writes.isEmpty()) {
                afterRound.run();
            }
        } catch (StateUnavailable e) {
            failure = e;
        } finally {
            inFlight.addAndGet(-writes.size());
        }
        if (failure == null) {
            failing = false;
            return pages.isEmpty() && connections.isEmpty();
        }
        meters.stateWriteFailures.increment();
        if (!failing) {
            LOGGER.log(Level.WARNING, "cannot write state, keeping " + pending() + " changes to retry: "
                    + failure.getMessage());
        }
        failing = true;
        return false;
    }

    /** One write of a round, and how to mark it again when it failed or was not tried. */
    private record Write(Runnable write, Runnable markAgain) {
    }

    /**
     * Runs the writes on at most {@link #PARALLEL} virtual threads; after a failure the rest are
     * marked again untried. Returns the first failure, or null.
     */
    private static StateUnavailable run(List<Write> writes) {
        if (writes.isEmpty()) {
            return null;
        }
        AtomicReference<StateUnavailable> failure = new AtomicReference<>();
        AtomicInteger next = new AtomicInteger();
        int threads = Math.min(PARALLEL, writes.size());
        List<Thread> started = new ArrayList<>(threads);
        for (int t = 0; t < threads; t++) {
            started.add(Thread.ofVirtual().name("resident-state-write").start(() -> {
                for (int i = next.getAndIncrement(); i < writes.size(); i = next.getAndIncrement()) {
                    Write write = writes.get(i);
                    if (failure.get() != null) {
                        write.markAgain().run();
                        continue;
                    }
                    try {
                        write.write().run();
                    } catch (StateUnavailable e) {
                        write.markAgain().run();
                        failure.compareAndSet(null, e);
                    }
                }
            }));
        }
        for (Thread thread : started) {
            try {
                thread.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return new StateUnavailable("interrupted", e);
            }
        }
        return failure.get();
    }

    @Override
    public void close() {
        closed = true;
        thread.interrupt();
    }
}
