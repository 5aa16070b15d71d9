package dev.resident.registry;

import dev.resident.metrics.ResidentMeters;
import dev.resident.page.engine.ResidentPage;
import dev.resident.state.StateUnavailable;

import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * Writes changed pages and connections to the state store off the call path: calls only mark them
 * changed; a round writes the latest state of each (many changes of one page become one write).
 * A round starts every half {@code interval}, so a change is written within {@code interval} while
 * rounds take less than half of it: page writes are pipelined (up to {@value #PAGES_IN_FLIGHT} in
 * flight, not one round trip each). While the store is unreachable the marks stay and the next round
 * tries again: memory stays bounded by the number of live pages and connections.
 */
final class StateWriter implements AutoCloseable {
    private static final System.Logger LOGGER = System.getLogger(StateWriter.class.getName());
    /** Connection writes of one round in flight at once (each waits for its answer). */
    private static final int PARALLEL = 16;
    /** Page writes of one round in flight at once. */
    private static final int PAGES_IN_FLIGHT = 256;
    private final Map<ResidentPage, Long> pages = new ConcurrentHashMap<>();
    private final Map<Connection, Boolean> connections = new ConcurrentHashMap<>();
    private final Function<ResidentPage, CompletableFuture<Void>> pageWriter;
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
     * @param pageWriter       starts writing one page; its future fails with {@link StateUnavailable}
     *                         when it cannot
     * @param connectionWriter writes one connection (throws {@link StateUnavailable} when it cannot)
     * @param afterRound       makes a round's writes durable (the store's flush)
     * @param interval         longest time from a change to its write, while rounds keep up
     */
    StateWriter(Function<ResidentPage, CompletableFuture<Void>> pageWriter, Consumer<Connection> connectionWriter, Runnable afterRound,
                ResidentMeters meters, Duration interval) {
        this.pageWriter = pageWriter;
        this.connectionWriter = connectionWriter;
        this.afterRound = afterRound;
        this.meters = meters;
        this.interval = interval;
        this.thread = Thread.ofVirtual().name("resident-state-writer").start(this::run);
    }

    void changed(ResidentPage page) {
        pages.computeIfAbsent(page, marked -> System.nanoTime()); // a page marked already reads no clock
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
        return flushThen(() -> true);
    }

    /**
     * Like {@link #flush()}, then runs {@code last} before another round can start: a drain's
     * release of the pages, whose writes must not meet a round's write of an older snapshot of the
     * same page (the older one, landing first, would win the conditional write).
     *
     * @return true when nothing was left to write and {@code last} says so too
     */
    boolean flushThen(BooleanSupplier last) {
        lock.lock();
        try {
            boolean written = writeAll();
            return last.getAsBoolean() && written;
        } finally {
            lock.unlock();
        }
    }

    private void run() {
        long period = Math.max(1, interval.toNanos() / 2);
        long next = System.nanoTime() + period;
        while (!closed) {
            lock.lock();
            try {
                long wait = next - System.nanoTime();
                if (wait > 0) {
                    wake.awaitNanos(wait);
                }
                next = Math.max(next + period, System.nanoTime()); // a round that overran starts the next at once
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
     * One round: connections, written by up to {@link #PARALLEL} virtual threads, then pages, each
     * encoded here and written with up to {@link #PAGES_IN_FLIGHT} in flight; what fails is marked
     * again and the round ends, so an unreachable store is not hammered. The round ends with the
     * store's flush once every write is answered.
     */
    private boolean writeAll() {
        List<Write> writes = new ArrayList<>();
        for (Connection connection : connections.keySet()) {
            inFlight.incrementAndGet(); // before the unmark, so pending() never misses the connection
            if (connections.remove(connection) != null) {
                writes.add(new Write(() -> {
                    connectionWriter.accept(connection);
                    meters.stateWrites.increment();
                }, () -> connections.put(connection, Boolean.TRUE)));
            } else {
                inFlight.decrementAndGet();
            }
        }
        StateUnavailable failure;
        PageWrites pageWrites = new PageWrites();
        try {
            failure = run(writes);
            if (failure == null) {
                failure = writePages(pageWrites);
            }
            if (failure == null && (!writes.isEmpty() || pageWrites.started > 0)) {
                try {
                    afterRound.run();
                } catch (StateUnavailable e) {
                    // the round's writes went with the failed flush (the embedded store closed at a full
                    // disk, and opened again from its last commit): each is written again, whatever it holds
                    writes.forEach(write -> write.markAgain().run());
                    pageWrites.written.forEach((page, since) -> {
                        page.notStored();
                        pages.putIfAbsent(page, since);
                    });
                    throw e;
                }
            }
        } catch (StateUnavailable e) {
            failure = e;
        } finally {
            inFlight.addAndGet(-writes.size() - pageWrites.started);
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

    /** The page writes a round started: they count as {@code inFlight} until the round's flush. */
    private static final class PageWrites {
        int started;
        /** The pages this round wrote (not durable until the round's flush), with when each was marked. */
        final Map<ResidentPage, Long> written = new ConcurrentHashMap<>();
    }

    /**
     * The pages part of a round: starts their writes and waits for every answer.
     *
     * @return the first failure, or null
     */
    private StateUnavailable writePages(PageWrites round) {
        Semaphore window = new Semaphore(PAGES_IN_FLIGHT);
        AtomicReference<StateUnavailable> failure = new AtomicReference<>();
        List<CompletableFuture<Void>> started = new ArrayList<>();
        try {
            for (Map.Entry<ResidentPage, Long> entry : pages.entrySet()) {
                ResidentPage page = entry.getKey();
                long since = entry.getValue();
                if (failure.get() != null) {
                    continue; // after a failure the rest stay marked for the next round
                }
                inFlight.incrementAndGet(); // before the unmark, so pending() never misses the page
                if (!pages.remove(page, since)) {
                    inFlight.decrementAndGet();
                    continue;
                }
                round.started++;
                window.acquireUninterruptibly();
                CompletableFuture<Void> write;
                try {
                    write = pageWriter.apply(page);
                } catch (RuntimeException e) {
                    write = CompletableFuture.failedFuture(e);
                }
                boolean unchanged = write == DurablePages.UNCHANGED;
                started.add(write.whenComplete((ok, error) -> {
                    window.release();
                    if (unchanged) {
                        meters.snapshotsUnchanged.increment();
                    } else if (error == null) {
                        round.written.put(page, since);
                        meters.stateWrites.increment();
                        meters.snapshotLag.record(Duration.ofNanos(System.nanoTime() - since));
                    } else {
                        pages.putIfAbsent(page, since);
                        failure.compareAndSet(null, unavailable(error));
                    }
                }));
            }
            for (CompletableFuture<Void> write : started) {
                try {
                    write.join();
                } catch (CompletionException e) {
                    // recorded by its whenComplete
                }
            }
        } catch (RuntimeException e) {
            failure.compareAndSet(null, unavailable(e));
        }
        return failure.get();
    }

    private static StateUnavailable unavailable(Throwable error) {
        Throwable cause = error;
        while (cause instanceof CompletionException && cause.getCause() != null) {
            cause = cause.getCause();
        }
        return cause instanceof StateUnavailable e ? e : new StateUnavailable("page write failed: " + cause, cause);
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
