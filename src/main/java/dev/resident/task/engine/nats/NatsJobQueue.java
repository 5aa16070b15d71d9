package dev.resident.task.engine.nats;

import dev.resident.page.PageException;
import dev.resident.task.engine.CancelBroadcast;
import dev.resident.task.engine.Delivery;
import dev.resident.task.engine.JobQueue;
import dev.resident.task.engine.JobRunner;
import dev.resident.task.engine.JobSpec;
import dev.resident.task.engine.TaskMeters;
import io.nats.client.Connection;
import io.nats.client.Dispatcher;
import io.nats.client.JetStream;
import io.nats.client.JetStreamApiException;
import io.nats.client.JetStreamManagement;
import io.nats.client.Message;
import io.nats.client.PublishOptions;
import io.nats.client.api.MessageInfo;
import io.nats.client.impl.Headers;
import io.nats.client.impl.NatsMessage;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The site's JetStream work queue. Submitting publishes the job on its user's subject with its id
 * as {@code Nats-Msg-Id} (a retried publish is one job) and waits at most the NATS timeout; a full
 * stream answers 429, an unreachable one 503. Each of this process's workers takes one job at a
 * time, the users' jobs in turn ({@link Turns}), runs it, and acks it only once its end is
 * recorded: a worker that dies leaves the job unacknowledged, and JetStream hands it to another
 * worker after the ack wait, which {@code progress} calls keep extending.
 */
final class NatsJobQueue implements JobQueue, CancelBroadcast {
    private static final System.Logger LOGGER = System.getLogger(NatsJobQueue.class.getName());
    private static final String MESSAGE_ID = "Nats-Msg-Id";
    /** How long an idle worker waits for a submit's wake-up before it looks again (redeliveries come without one). */
    private static final Duration IDLE_WAIT = Duration.ofSeconds(1);
    private static final Duration RETRY_PAUSE = Duration.ofMillis(500);
    private static final Duration COUNT_MAX_AGE = Duration.ofSeconds(2);
    /**
     * How long a close waits for its workers to hand their jobs back (a nak: another worker takes
     * the job at once) before the process closes its NATS connection; without the wait the nak
     * was lost, and the job waited out its ack wait (30 s) on no worker.
     */
    static final Duration HAND_BACK_WAIT = Duration.ofSeconds(5);
    private final Connection connection;
    private final JetStreamNames names;
    private final JetStreamSetup setup;
    private final int workers;
    private final TaskMeters meters;
    private final Turns turns;
    private final List<Thread> threads = new ArrayList<>();
    private final AtomicBoolean counting = new AtomicBoolean();
    private Dispatcher cancels;
    private volatile boolean closed;
    private volatile long lastCount;
    private volatile long countedAt = System.nanoTime() - COUNT_MAX_AGE.toNanos();

    NatsJobQueue(Connection connection, JetStreamNames names, JetStreamSetup setup, int workers, TaskMeters meters) {
        this.connection = connection;
        this.names = names;
        this.setup = setup;
        this.workers = workers;
        this.meters = meters;
        this.turns = new Turns(connection, names, setup);
    }

    @Override
    public void enqueue(JobSpec spec) {
        if (connection.getStatus() != Connection.Status.CONNECTED) {
            throw new PageException(503, "unavailable", "the task queue cannot be reached (NATS disconnected)");
        }
        Headers headers = new Headers().put(MESSAGE_ID, spec.jobId());
        try {
            JetStream js = connection.jetStream(setup.options());
            js.publish(NatsMessage.builder().subject(names.queueSubject(spec.quota())).headers(headers)
                            .data(spec.encode().getBytes(StandardCharsets.UTF_8)).build(),
                    PublishOptions.builder().expectedStream(names.stream()).build());
        } catch (JetStreamApiException e) {
            if (String.valueOf(e.getMessage()).contains("per subject")) {
                throw PageException.rateLimited("you have " + setup.maxJobsPerUser() + " jobs queued or running; "
                        + "try again later");
            }
            if (e.getApiErrorCode() == 10077 || String.valueOf(e.getMessage()).contains("maximum messages")) {
                throw PageException.rateLimited("the task queue is full, try again later");
            }
            throw Unavailable.of("publish", e);
        } catch (IOException | IllegalStateException e) {
            // IllegalStateException: the shared connection keeps no reconnect buffer (the bus's Sender
            // buffers), so a publish while it reconnects is refused at once
            throw Unavailable.of("publish", e);
        }
        turns.wakeUp();
    }

    /**
     * Deletes the job's message from the stream. It is found among its quota's messages on their
     * subject, of which there are at most {@code max-jobs-per-user}: one read each, by sequence.
     */
    @Override
    public boolean withdraw(String jobId, String quota) {
        if (connection.getStatus() != Connection.Status.CONNECTED) {
            return false;
        }
        try {
            JetStreamManagement jsm = connection.jetStreamManagement(setup.options());
            String subject = names.queueSubject(quota);
            long after = 0;
            for (int read = 0; read < setup.maxJobsPerUser(); read++) {
                MessageInfo queued = jsm.getNextMessage(names.stream(), after + 1, subject);
                if (queued.getHeaders() != null && jobId.equals(queued.getHeaders().getFirst(MESSAGE_ID))) {
                    return jsm.deleteMessage(names.stream(), queued.getSeq(), false);
                }
                after = queued.getSeq();
            }
        } catch (JetStreamApiException e) {
            // no message left on the subject: a worker took it, or it has ended
        } catch (IOException | RuntimeException e) {
            LOGGER.log(Level.DEBUG, "job " + jobId + " not withdrawn: " + e);
        }
        return false;
    }

    @Override
    public synchronized void start(JobRunner runner) {
        cancels = connection.createDispatcher(message ->
                runner.cancelRunning(new String(message.getData(), StandardCharsets.UTF_8)));
        cancels.subscribe(names.cancelSubject());
        if (workers > 0) {
            turns.listen(); // a process without workers has no one to wake
        }
        for (int i = 0; i < workers; i++) {
            threads.add(Thread.ofVirtual().name("resident-task-nats-worker-" + i).start(() -> work(runner)));
        }
    }

    /**
     * Messages in the site's stream (queued jobs and running ones not yet acknowledged) as last
     * counted: a metrics scrape never waits on NATS. A count older than {@link #COUNT_MAX_AGE} is
     * taken again in the background, one at a time.
     */
    @Override
    public long waiting() {
        if (System.nanoTime() - countedAt >= COUNT_MAX_AGE.toNanos() && counting.compareAndSet(false, true)) {
            Thread.ofVirtual().name("resident-task-count").start(this::count);
        }
        return lastCount;
    }

    private void count() {
        try {
            lastCount = connection.getStatus() != Connection.Status.CONNECTED ? -1
                    : connection.jetStreamManagement(setup.options()).getStreamInfo(names.stream())
                            .getStreamState().getMsgCount();
        } catch (IOException | JetStreamApiException | RuntimeException e) {
            lastCount = -1;
            LOGGER.log(Level.DEBUG, "task stream not counted: " + e);
        } finally {
            countedAt = System.nanoTime();
            counting.set(false);
        }
    }

    @Override
    public void cancelRunning(String jobId) {
        connection.publish(names.cancelSubject(), jobId.getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public void close() {
        closed = true;
        List<Thread> workers;
        synchronized (this) {
            workers = List.copyOf(threads);
            workers.forEach(Thread::interrupt);
        }
        handBack(workers);
        synchronized (this) {
            turns.close();
            if (cancels != null) {
                try {
                    connection.closeDispatcher(cancels);
                } catch (RuntimeException e) {
                    // closing anyway
                }
            }
        }
    }

    /** Waits, at most {@link #HAND_BACK_WAIT} in all, for the interrupted workers' acks and naks to reach NATS. */
    private void handBack(List<Thread> workers) {
        long deadline = System.nanoTime() + HAND_BACK_WAIT.toNanos();
        try {
            for (Thread worker : workers) {
                long left = deadline - System.nanoTime();
                if (left <= 0 || !worker.join(Duration.ofNanos(left))) {
                    break;
                }
            }
            connection.flush(Duration.ofNanos(Math.max(1, deadline - System.nanoTime())));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (java.util.concurrent.TimeoutException | RuntimeException e) {
            LOGGER.log(Level.DEBUG, "task queue closed before NATS took every hand-back: " + e.getMessage());
        }
    }

    private void work(JobRunner runner) {
        while (!closed) {
            Message message;
            try {
                message = turns.next(IDLE_WAIT);
            } catch (InterruptedException e) {
                return;
            } catch (Exception e) {
                turns.reset(); // NATS away, or the stream was lost: set it up again when NATS is back
                LOGGER.log(Level.DEBUG, "task queue not reachable: " + e.getMessage());
                if (!pause()) {
                    return;
                }
                continue;
            }
            if (message != null) {
                handle(runner, message);
            } else if (connection.getStatus() != Connection.Status.CONNECTED && !pause()) {
                // while NATS is away a fetch may return at once, without an exception: without the
                // pause every worker would spin on a carrier thread and starve the rest of the server
                return;
            }
        }
    }

    private void handle(JobRunner runner, Message message) {
        JobSpec spec;
        try {
            spec = JobSpec.decode(message.getData());
        } catch (IllegalArgumentException e) {
            meters.malformed();
            message.term();
            return;
        }
        int attempt = (int) Math.min(Integer.MAX_VALUE, message.metaData().deliveredCount());
        try {
            boolean ended = runner.run(new Delivery(spec, attempt, message::inProgress));
            // a job interrupted by the stop leaves the thread interrupted, and NATS does not send
            // from an interrupted thread: the answer must still go out
            boolean interrupted = Thread.interrupted();
            if (ended) {
                message.ack();
            } else {
                message.nak(); // this server stops: another worker takes it now
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        } catch (RuntimeException e) {
            // its state could not be recorded (NATS went away): unacknowledged, it comes back
            LOGGER.log(Level.WARNING, "job " + spec.jobId() + " left for redelivery: " + e.getMessage());
        }
    }

    private boolean pause() {
        try {
            Thread.sleep(RETRY_PAUSE);
            return !closed;
        } catch (InterruptedException e) {
            return false;
        }
    }
}
