package dev.resident.web;

import dev.resident.metrics.ResidentMeters;
import dev.resident.page.engine.Outbox;
import io.helidon.common.buffers.BufferData;
import io.helidon.common.buffers.DataWriter;
import io.helidon.webserver.ConnectionContext;
import io.helidon.websocket.WsSession;

import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

/**
 * The outbound side of one socket. A socket write blocks its caller while the client is slow, so
 * publishers only drop messages into a queue bounded in messages and characters, and a writer
 * virtual thread, started when there is something to write and gone when the queue is empty,
 * writes them: an idle socket holds no thread of its own. A full queue closes the socket with
 * 1013 (the page stays resident). {@link Sockets} calls {@link #heartbeat} to ping idle sockets.
 *
 * <p>The writer takes everything queued, up to {@code max-write-bytes}, and writes it with one
 * socket write: one frame per message, encoded here ({@link TextFrames}) and handed to the
 * connection's {@code DataWriter}, where Helidon's {@code WsSession.send} would write and flush
 * each frame on its own; or, for a client that asked for {@code batch=1}, one frame holding a JSON
 * array. Every write to the socket (frames, pongs, the close frame) goes through {@link #writeLock},
 * so frames never interleave.
 *
 * <p>A close waits for the call running on the reader thread, if any ({@link #beginCall}), sends
 * what is queued, its answer included, and then the close frame; no call starts once a close is
 * asked for. So a call still unanswered when the client sees the close did not run, and the client
 * may send it again (README, protocol extensions). Only 1013 (the client is too slow) drops what is
 * queued and closes at once.
 */
final class SocketChannel implements Outbox {
    private static final System.Logger LOGGER = System.getLogger(SocketChannel.class.getName());

    /** How long a writer waits for an rpc that {@link #cork corked} the socket to finish. */
    private static final long CORK_MAX_NANOS = TimeUnit.MILLISECONDS.toNanos(2);
    /** The close code that drops what is queued and closes at once: the client does not keep up. */
    private static final int SLOW_CONSUMER = 1013;
    /** {@link #calls}: no call runs, one may start. */
    private static final Object NO_CALL = "no call";
    /** {@link #calls}: the reader runs a call. */
    private static final Object CALLING = "calling";
    /** {@link #calls}: closing; no call starts any more. Or a {@link CloseFrame} waiting for the running call. */
    private static final Object SHUT = "shut";
    private final WsSession session;
    private final DataWriter out;
    private final ReentrantLock writeLock = new ReentrantLock();
    private final ConcurrentLinkedQueue<String> queue = new ConcurrentLinkedQueue<>();
    /** The messages queued and those of the write going on (which the socket holds until it returns). */
    private final AtomicInteger queued = new AtomicInteger();
    /** The characters of those messages: what this socket holds, in every count until its write returns. */
    private final AtomicLong queuedBytes = new AtomicLong();
    private final AtomicBoolean writing = new AtomicBoolean();
    private final AtomicBoolean closing = new AtomicBoolean();
    /** {@link #NO_CALL}, {@link #CALLING}, {@link #SHUT}, or a close waiting for the running call. */
    private final AtomicReference<Object> calls = new AtomicReference<>(NO_CALL);
    private final AtomicBoolean done = new AtomicBoolean();
    private final CountDownLatch finished = new CountDownLatch(1);
    private final int capacity;
    private final long byteCapacity;
    private final int maxWriteBytes;
    private final boolean batch;
    private final Duration closeTimeout;
    private final ResidentMeters meters;
    /** What this socket's address's queues, and the process's, hold with this one's. */
    private final QueuedChars.Share share;
    private volatile boolean corked;
    /** The reader thread while it corks: what it queues, it writes itself at {@link #uncork}. */
    private volatile Thread corker;
    private volatile Thread corkedWriter;
    /** Taken from the queue but left for the next write (still counted); the writer's alone. */
    private String carried;
    private Consumer<SocketChannel> onFinish = channel -> { };
    private volatile long lastWrite = System.nanoTime();
    /** Asks the socket's session again from the heartbeat; null when no other app owns sessions. */
    private volatile SessionRecheck recheck;
    /** The close frame to send, set once, before {@link #closing}: a writer that sees closing sends it. */
    private final AtomicReference<CloseFrame> closeFrame = new AtomicReference<>();
    private volatile boolean peerGone;
    /** Set by a close that drops what is queued (or by a broken connection): the writer stops at once. */
    private volatile boolean dropQueued;

    /** A close frame's code and reason; in {@link #calls}, a close waiting for the running call. */
    private record CloseFrame(int code, String reason) {
    }

    /**
     * @param batch whether the client asked for several messages per frame ({@code batch=1})
     * @param share what the queues of the socket's address hold; {@link #finish} gives it back
     */
    SocketChannel(WsSession session, WebSettings settings, boolean batch, QueuedChars.Share share,
                  ResidentMeters meters) {
        if (!(session.socketContext() instanceof ConnectionContext connection)) {
            throw new IllegalStateException("not a Helidon server WebSocket: " + session.getClass().getName());
        }
        this.session = session;
        this.out = connection.dataWriter();
        this.capacity = settings.socketQueue();
        this.byteCapacity = settings.socketQueueBytes();
        this.maxWriteBytes = settings.maxWriteBytes();
        this.batch = batch;
        this.closeTimeout = settings.closeTimeout();
        this.share = share;
        this.meters = meters;
    }

    /** {@code onFinish} runs once when the channel stops, however it stops; call before any offer. */
    void start(Consumer<SocketChannel> onFinish) {
        this.onFinish = onFinish;
    }

    @Override
    public void offer(String message) {
        if (enqueue(message)) {
            meters.messagesPushed.increment();
        }
    }

    /** Has the heartbeat ask the socket's session again ({@link SessionRecheck}). */
    void recheckSession(SessionRecheck check) {
        this.recheck = check;
    }

    /**
     * Sends {@code {"t":"ping"}} when nothing was written for {@code idle}; asks the session again
     * when that is due.
     */
    void heartbeat(long nowNanos, Duration idle) {
        SessionRecheck check = recheck;
        if (check != null) {
            check.tick(nowNanos);
        }
        if (nowNanos - lastWrite >= idle.toNanos() && queued.get() == 0) {
            enqueue("{\"t\":\"ping\",\"ts\":" + System.currentTimeMillis() + "}");
        }
    }

    @Override
    public int room() {
        return Math.max(0, capacity - queued.get());
    }

    @Override
    public long roomBytes() {
        return Math.max(0, byteCapacity - queuedBytes.get());
    }

    /**
     * Holds writes back while an rpc runs on the socket's reader thread, so that the call's
     * {@code data} message and its result go out in one write, made by the reader thread itself
     * at {@link #uncork} (no writer thread to start). A message another thread queues meanwhile
     * starts the writer, which waits for the uncork {@link #CORK_MAX_NANOS} at most: a long call
     * does not hold pushes back. Only the reader thread corks.
     */
    void cork() {
        corker = Thread.currentThread();
        corked = true;
    }

    /** Writes what the call queued, or lets a waiting writer go on (see {@link #cork}). */
    void uncork() {
        corked = false;
        corker = null;
        Thread waiting = corkedWriter;
        if (waiting != null) {
            LockSupport.unpark(waiting);
        } else if (!queue.isEmpty() || closing.get()) {
            writeOnce();
        }
    }

    /** Answers a ping without interleaving with the writer's frames. */
    void pong(BufferData payload) {
        writeLock.lock();
        try {
            session.pong(payload);
        } finally {
            writeLock.unlock();
        }
    }

    /**
     * The reader thread is about to run a call; false once a close was asked for, and the call
     * must not run. Pair with {@link #endCall} after {@link #uncork}.
     */
    boolean beginCall() {
        return calls.compareAndSet(NO_CALL, CALLING);
    }

    /** The reader's call has queued its answer: a close that waited for it goes now. */
    void endCall() {
        if (!calls.compareAndSet(CALLING, NO_CALL) && calls.getAndSet(SHUT) instanceof CloseFrame close) {
            shut(close, false);
        }
    }

    /**
     * Sends a close frame after the running call's answer and what is queued (1013: at once,
     * dropping what is queued), never blocking the caller.
     */
    @Override
    public void close(int code, String reason) {
        if (code == SLOW_CONSUMER) {
            calls.set(SHUT);
            shut(new CloseFrame(code, reason), true);
            return;
        }
        while (true) {
            Object state = calls.get();
            if (state == NO_CALL && calls.compareAndSet(NO_CALL, SHUT)) {
                shut(new CloseFrame(code, reason), false);
                return;
            }
            if (state == CALLING && calls.compareAndSet(CALLING, new CloseFrame(code, reason))) {
                return;
            }
            if (state != NO_CALL && state != CALLING) {
                return; // a close is under way
            }
        }
    }

    private void shut(CloseFrame frame, boolean drop) {
        if (!closeFrame.compareAndSet(null, frame)) {
            return;
        }
        if (drop) {
            dropQueued = true;
            discardQueued();
        }
        closing.set(true);
        uncork();
        startWriter();
        // a client that never reads keeps the writer blocked in send: cut it after the timeout
        Thread.ofVirtual().name("ws-close-watch").start(() -> {
            try {
                if (!finished.await(closeTimeout.toMillis(), TimeUnit.MILLISECONDS)) {
                    session.terminate();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
    }

    /** The client closed or the connection broke: stop writing without a close frame. */
    void released() {
        peerGone = true;
        dropQueued = true;
        calls.set(SHUT);
        closing.set(true);
        discardQueued();
        startWriter();
    }

    boolean isClosing() {
        return closing.get();
    }

    /** The key of the client's address; null when the per-address limits are off. */
    String address() {
        return share.address();
    }

    int queued() {
        return Math.max(0, queued.get()); // a close may clear the queue under a writer
    }

    private boolean enqueue(String message) {
        if (closing.get()) {
            return false;
        }
        int count = queued.incrementAndGet();
        long bytes = queuedBytes.addAndGet(message.length());
        share.add(message.length());
        // a lone message passes the socket's own bounds whatever its size: it was bounded where it
        // was made. A socket that holds more than one write (what waits for a write that has not
        // returned included, a lone large message too) gives way when all the queues together hold
        // too much: sockets that never read cannot each keep a large message outside the bound
        String over = count > capacity || (count > 1 && bytes > byteCapacity) ? "slow consumer"
                : bytes > maxWriteBytes ? share.over() : null;
        if (over != null) {
            queued.decrementAndGet();
            queuedBytes.addAndGet(-message.length());
            share.add(-message.length());
            meters.slowConsumerCloses.increment();
            close(SLOW_CONSUMER, over);
            return false;
        }
        queue.add(message);
        if (done.get()) {
            discardQueued(); // the writer finished meanwhile: nothing takes this message off the counts
            return false;
        }
        if (!corked || corker != Thread.currentThread()) {
            startWriter();
        }
        return true;
    }

    /** A send failed: the connection is gone, so nothing more is written, not even a close frame. */
    private void broken() {
        peerGone = true;
        dropQueued = true;
        closing.set(true);
    }

    /** Takes every queued message off, and off the counts, as a write would. */
    private void discardQueued() {
        while (poll() != null) {
            // dropped
        }
    }

    private void startWriter() {
        if (writing.compareAndSet(false, true)) {
            Thread.ofVirtual().name("ws-writer").start(this::write);
        }
    }

    /**
     * One write on the caller's thread unless a writer runs; what is left after it (more than one
     * write's worth, or a close) goes to a writer thread, so the reader never writes for long.
     */
    private void writeOnce() {
        if (!writing.compareAndSet(false, true)) {
            return;
        }
        try {
            if (!dropQueued) {
                List<String> messages = take();
                if (!messages.isEmpty()) {
                    lastWrite = System.nanoTime();
                    sendAndRelease(messages);
                }
            }
        } catch (RuntimeException e) {
            LOGGER.log(Level.DEBUG, "socket write failed", e);
            broken();
        }
        writing.set(false);
        if (carried != null || !queue.isEmpty() || closing.get()) {
            startWriter();
        }
    }

    /** Writes until the queue is empty, then lets go of the writer flag unless more arrived meanwhile. */
    private void write() {
        try {
            do {
                while (!dropQueued && (carried != null || !queue.isEmpty())) {
                    awaitUncorked();
                    List<String> messages = take();
                    if (messages.isEmpty()) {
                        break; // a close dropped the queue
                    }
                    lastWrite = System.nanoTime(); // when the frames leave: what the client's silence counts from
                    sendAndRelease(messages);
                }
                if (closing.get()) {
                    finish();
                    return;
                }
                writing.set(false);
            } while ((!queue.isEmpty() || closing.get()) && writing.compareAndSet(false, true));
        } catch (RuntimeException e) {
            // the connection broke under a send: the reader side sees it too
            LOGGER.log(Level.DEBUG, "socket write failed", e);
            broken();
            finish();
        }
    }

    private void awaitUncorked() {
        if (!corked) {
            return;
        }
        long deadline = System.nanoTime() + CORK_MAX_NANOS;
        corkedWriter = Thread.currentThread();
        try {
            long left;
            while (corked && !closing.get() && (left = deadline - System.nanoTime()) > 0) {
                LockSupport.parkNanos(this, left);
            }
        } finally {
            corkedWriter = null;
        }
    }

    /**
     * The queued messages that fit one write, oldest first; at least one when any is queued. They
     * stay in the counts until their write returns ({@link #sendAndRelease}).
     */
    private List<String> take() {
        List<String> messages = new ArrayList<>();
        long bytes = 0;
        String next = carried != null ? carried : queue.poll();
        carried = null;
        while (next != null) {
            long size = FrameHeader.MAX_LENGTH + next.length();
            if (!messages.isEmpty() && bytes + size > maxWriteBytes) {
                carried = next; // the first of the next write
                break;
            }
            bytes += size;
            messages.add(next);
            next = queue.poll();
        }
        return messages;
    }

    /** Takes a queued message off the queue and off the counts: it is dropped. */
    private String poll() {
        String message = queue.poll();
        if (message != null) {
            release(message);
        }
        return message;
    }

    /** A message leaves what the socket holds: written, or dropped. */
    private void release(String message) {
        release(1, message.length());
    }

    private void release(int messages, long chars) {
        queued.addAndGet(-messages);
        queuedBytes.addAndGet(-chars);
        share.add(-chars);
    }

    /** Writes {@code messages} in one write; they leave the counts together once it returns, or fails. */
    private void sendAndRelease(List<String> messages) {
        try {
            send(batch ? TextFrames.batch(messages) : TextFrames.frames(messages));
        } finally {
            long chars = 0;
            for (String message : messages) {
                chars += message.length();
            }
            release(messages.size(), chars);
        }
    }

    private void send(byte[] frames) {
        writeLock.lock();
        try {
            out.writeNow(BufferData.create(frames));
        } finally {
            writeLock.unlock();
        }
        meters.socketWrites.increment();
    }

    private void finish() {
        if (!done.compareAndSet(false, true)) {
            return;
        }
        writeLock.lock();
        try {
            CloseFrame frame = closeFrame.get();
            if (!peerGone && frame != null) {
                session.close(frame.code(), frame.reason());
            }
        } catch (RuntimeException e) {
            LOGGER.log(Level.DEBUG, "socket close failed", e);
        } finally {
            writeLock.unlock();
            if (carried != null) { // the writer's: finish runs on the writer thread
                release(carried);
                carried = null;
            }
            discardQueued(); // what a close left queued; an enqueue that races this sees done and drops its own
            finished.countDown();
            onFinish.accept(this);
        }
    }
}
