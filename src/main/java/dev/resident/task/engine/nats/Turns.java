package dev.resident.task.engine.nats;

import io.nats.client.Connection;
import io.nats.client.ConsumerContext;
import io.nats.client.Dispatcher;
import io.nats.client.FetchConsumeOptions;
import io.nats.client.FetchConsumer;
import io.nats.client.JetStreamApiException;
import io.nats.client.Message;
import io.nats.client.api.StreamInfoOptions;
import io.nats.client.api.Subject;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Takes the site's queued jobs in turn: one job of each turn that holds some (its users' subjects,
 * {@link JetStreamNames#TURNS} of them), one turn after the other, beginning after the turn this
 * process took from last. One user's many jobs then delay another user's (in another turn) by
 * about one job per worker, not by all of them, as the local queue does (FairQueue); a stream
 * taken in its own order would run them all first.
 * <p>
 * Which turns hold jobs comes from the stream's count per subject (one request); a turn is then
 * asked for one job without waiting. A turn whose jobs are all running gives none, and the next
 * is asked. Nothing found, the worker waits for the wake-up that a submit publishes (every
 * process's idle workers hear it), or {@code wait} at most: a job redelivered after its ack wait
 * comes without one. The stream of earlier versions, while it exists, is one more turn.
 */
final class Turns implements AutoCloseable {
    /** How often the earlier versions' stream is looked for again while it is missing. */
    private static final long EARLIER_LOOKUP_NANOS = Duration.ofSeconds(30).toNanos();
    private static final FetchConsumeOptions ONE_NOW = FetchConsumeOptions.builder().maxMessages(1).noWait().build();
    private final Connection connection;
    private final JetStreamNames names;
    private final JetStreamSetup setup;
    /** The turn to ask first: after the last one this process took a job from. */
    private final AtomicInteger next = new AtomicInteger();
    /** One take at a time in this process: two workers asking the same turn at once would take one user's two jobs. */
    private final ReentrantLock taking = new ReentrantLock();
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition woken = lock.newCondition();
    private long wakeUps;
    private Dispatcher wakeUpListener;
    private volatile ConsumerContext[] consumers;
    private volatile ConsumerContext earlier;
    private volatile long earlierLookedUpAt;

    Turns(Connection connection, JetStreamNames names, JetStreamSetup setup) {
        this.connection = connection;
        this.names = names;
        this.setup = setup;
        this.earlierLookedUpAt = System.nanoTime() - EARLIER_LOOKUP_NANOS;
    }

    /** Starts hearing the wake-ups of submits (the site's, this process's own included). */
    synchronized void listen() {
        wakeUpListener = connection.createDispatcher(message -> {
            lock.lock();
            try {
                wakeUps++;
                woken.signalAll();
            } finally {
                lock.unlock();
            }
        });
        wakeUpListener.subscribe(names.wakeSubject());
    }

    /** Tells idle workers of the whole site that a job was queued. */
    void wakeUp() {
        try {
            connection.publish(names.wakeSubject(), null);
        } catch (RuntimeException e) {
            // reconnecting (no reconnect buffer): the job is queued, and idle workers look within their wait
        }
    }

    /**
     * The next job in turn, or null when none was found within {@code wait}.
     *
     * @throws IOException or JetStreamApiException when NATS is away or the stream was lost: the
     *                     consumers are set up again at the next call
     */
    Message next(Duration wait) throws IOException, JetStreamApiException, InterruptedException {
        long heard = wakeUps();
        Message message;
        taking.lockInterruptibly();
        try {
            message = take();
        } finally {
            taking.unlock();
        }
        if (message == null) {
            awaitWakeUp(heard, wait);
        }
        return message;
    }

    @Override
    public synchronized void close() {
        if (wakeUpListener != null) {
            try {
                connection.closeDispatcher(wakeUpListener);
            } catch (RuntimeException e) {
                // closing anyway
            }
        }
    }

    private Message take() throws IOException, JetStreamApiException {
        ConsumerContext[] bound = consumers();
        List<Integer> held = turnsHoldingJobs();
        int first = next.get();
        int start = 0;
        while (start < held.size() && held.get(start) < first) {
            start++;
        }
        for (int i = 0; i < held.size(); i++) {
            int turn = held.get((start + i) % held.size());
            Message message = oneNow(bound[turn]);
            if (message != null) {
                next.set((turn + 1) % JetStreamNames.TURNS);
                return message;
            }
        }
        ConsumerContext earlierQueue = earlierQueue();
        try {
            return earlierQueue == null ? null : oneNow(earlierQueue);
        } catch (JetStreamApiException | IOException | RuntimeException e) {
            earlier = null; // removed: looked for again later, never in the way of the current stream
            return null;
        }
    }

    /** The turns whose subjects hold messages (queued jobs, and running ones not yet acknowledged), in order. */
    private List<Integer> turnsHoldingJobs() throws IOException, JetStreamApiException {
        List<Subject> subjects = connection.jetStreamManagement(setup.options())
                .getStreamInfo(names.stream(), StreamInfoOptions.filterSubjects(names.allQueues()))
                .getStreamState().getSubjects();
        TreeSet<Integer> turns = new TreeSet<>();
        if (subjects != null) {
            for (Subject subject : subjects) {
                int turn = names.turnOf(subject.getName());
                if (turn >= 0 && subject.getCount() > 0) {
                    turns.add(turn);
                }
            }
        }
        return new ArrayList<>(turns);
    }

    private static Message oneNow(ConsumerContext consumer) throws IOException, JetStreamApiException {
        try (FetchConsumer fetch = consumer.fetch(ONE_NOW)) {
            return fetch.nextMessage();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        } catch (Exception e) {
            if (e instanceof IOException io) {
                throw io;
            }
            if (e instanceof JetStreamApiException api) {
                throw api;
            }
            throw new IOException(e);
        }
    }

    private ConsumerContext[] consumers() throws IOException, JetStreamApiException {
        ConsumerContext[] bound = consumers;
        if (bound == null) {
            if (connection.getStatus() != Connection.Status.CONNECTED) {
                throw new IOException("not connected to NATS");
            }
            setup.ensure();
            bound = new ConsumerContext[JetStreamNames.TURNS];
            for (int turn = 0; turn < bound.length; turn++) {
                bound[turn] = connection.getConsumerContext(names.stream(), JetStreamNames.turnConsumer(turn),
                        setup.options());
            }
            consumers = bound;
        }
        return bound;
    }

    /** Forgets the consumers after a failure: NATS away, or the stream lost. */
    void reset() {
        consumers = null;
    }

    private ConsumerContext earlierQueue() throws IOException {
        ConsumerContext found = earlier;
        if (found == null && System.nanoTime() - earlierLookedUpAt >= EARLIER_LOOKUP_NANOS) {
            earlierLookedUpAt = System.nanoTime();
            found = setup.earlierQueue();
            earlier = found;
        }
        return found;
    }

    private long wakeUps() {
        lock.lock();
        try {
            return wakeUps;
        } finally {
            lock.unlock();
        }
    }

    private void awaitWakeUp(long heard, Duration wait) throws InterruptedException {
        long left = wait.toNanos();
        lock.lock();
        try {
            while (wakeUps == heard && left > 0) {
                left = woken.awaitNanos(left);
            }
        } finally {
            lock.unlock();
        }
    }
}
