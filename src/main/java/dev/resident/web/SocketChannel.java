package dev.resident.web;

import dev.resident.metrics.ResidentMeters;
import dev.resident.page.engine.Outbox;
import io.helidon.websocket.WsSession;

import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * The outbound side of one socket. Helidon's {@code WsSession.send} blocks its caller while the
 * client is slow, so publishers only drop messages into a bounded queue, and a writer virtual
 * thread, started when there is something to write and gone when the queue is empty, writes
 * them: an idle socket holds no thread of its own. A full queue closes the socket with 1013 (the
 * page stays resident). {@link Sockets} calls {@link #heartbeat} to ping idle sockets.
 */
final class SocketChannel implements Outbox {
    private static final System.Logger LOGGER = System.getLogger(SocketChannel.class.getName());

    private final WsSession session;
    private final ConcurrentLinkedQueue<String> queue = new ConcurrentLinkedQueue<>();
    private final AtomicInteger queued = new AtomicInteger();
    private final AtomicBoolean writing = new AtomicBoolean();
    private final AtomicBoolean closing = new AtomicBoolean();
    private final AtomicBoolean done = new AtomicBoolean();
    private final CountDownLatch finished = new CountDownLatch(1);
    private final int capacity;
    private final Duration closeTimeout;
    private final ResidentMeters meters;
    private Consumer<SocketChannel> onFinish = channel -> { };
    private volatile long lastWrite = System.nanoTime();
    private volatile int closeCode;
    private volatile String closeReason;
    private volatile boolean peerGone;

    SocketChannel(WsSession session, WebSettings settings, ResidentMeters meters) {
        this.session = session;
        this.capacity = settings.socketQueue();
        this.closeTimeout = settings.closeTimeout();
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

    /** Sends {@code {"t":"ping"}} when nothing was written for {@code idle}. */
    void heartbeat(long nowNanos, Duration idle) {
        if (nowNanos - lastWrite >= idle.toNanos() && queued.get() == 0) {
            enqueue("{\"t\":\"ping\",\"ts\":" + System.currentTimeMillis() + "}");
        }
    }

    @Override
    public int room() {
        return Math.max(0, capacity - queued.get());
    }

    /** Sends a close frame after what is already being written, never blocking the caller. */
    @Override
    public void close(int code, String reason) {
        if (!closing.compareAndSet(false, true)) {
            return;
        }
        closeCode = code;
        closeReason = reason;
        discardQueued();
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
        closing.set(true);
        discardQueued();
        startWriter();
    }

    boolean isClosing() {
        return closing.get();
    }

    int queued() {
        return Math.max(0, queued.get()); // a close may clear the queue under a writer
    }

    private boolean enqueue(String message) {
        if (closing.get()) {
            return false;
        }
        if (queued.incrementAndGet() > capacity) {
            queued.decrementAndGet();
            meters.slowConsumerCloses.increment();
            close(1013, "slow consumer");
            return false;
        }
        queue.add(message);
        startWriter();
        return true;
    }

    private void discardQueued() {
        queue.clear();
        queued.set(0);
    }

    private void startWriter() {
        if (writing.compareAndSet(false, true)) {
            Thread.ofVirtual().name("ws-writer").start(this::write);
        }
    }

    /** Writes until the queue is empty, then lets go of the writer flag unless more arrived meanwhile. */
    private void write() {
        try {
            do {
                String message;
                while (!closing.get() && (message = queue.poll()) != null) {
                    queued.decrementAndGet();
                    lastWrite = System.nanoTime(); // when the frame leaves: what the client's silence counts from
                    session.send(message, true);
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
            peerGone = true;
            closing.set(true);
            finish();
        }
    }

    private void finish() {
        if (!done.compareAndSet(false, true)) {
            return;
        }
        try {
            if (!peerGone) {
                session.close(closeCode, closeReason);
            }
        } catch (RuntimeException e) {
            LOGGER.log(Level.DEBUG, "socket close failed", e);
        } finally {
            finished.countDown();
            onFinish.accept(this);
        }
    }
}
