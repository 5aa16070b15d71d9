package dev.resident.web;

import dev.resident.metrics.ResidentMeters;
import dev.resident.page.Outbox;
import io.helidon.websocket.WsSession;

import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * The outbound side of one socket. Helidon's {@code WsSession.send} blocks its caller while the
 * client is slow, so publishers only drop messages into a bounded queue and this socket's own
 * virtual thread writes them. A full queue closes the socket with 1013 (the page stays resident);
 * an empty queue for a heartbeat interval sends {@code {"t":"ping"}}.
 */
final class SocketChannel implements Outbox {
    private static final System.Logger LOGGER = System.getLogger(SocketChannel.class.getName());
    /** Wakes the writer to finish; compared by identity. */
    private static final String STOP = new String("stop");

    private final WsSession session;
    private final LinkedBlockingQueue<String> queue;
    private final Duration heartbeat;
    private final Duration closeTimeout;
    private final ResidentMeters meters;
    private final AtomicBoolean closing = new AtomicBoolean();
    private final CountDownLatch finished = new CountDownLatch(1);
    private volatile int closeCode;
    private volatile String closeReason;
    private volatile boolean peerGone;

    SocketChannel(WsSession session, WebSettings settings, ResidentMeters meters) {
        this.session = session;
        this.queue = new LinkedBlockingQueue<>(settings.socketQueue());
        this.heartbeat = settings.heartbeat();
        this.closeTimeout = settings.closeTimeout();
        this.meters = meters;
    }

    /** Starts the writer; {@code onFinish} runs once when it stops, however it stops. */
    void start(Consumer<SocketChannel> onFinish) {
        Thread.ofVirtual().name("ws-writer").start(() -> {
            try {
                write();
            } finally {
                finished.countDown();
                onFinish.accept(this);
            }
        });
    }

    @Override
    public void offer(String message) {
        if (closing.get()) {
            return;
        }
        if (queue.offer(message)) {
            meters.messagesPushed.increment();
        } else {
            meters.slowConsumerCloses.increment();
            close(1013, "slow consumer");
        }
    }

    @Override
    public int room() {
        return queue.remainingCapacity();
    }

    /** Sends a close frame after what is already being written, never blocking the caller. */
    @Override
    public void close(int code, String reason) {
        if (!closing.compareAndSet(false, true)) {
            return;
        }
        closeCode = code;
        closeReason = reason;
        stopWriter();
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
        stopWriter();
    }

    boolean isClosing() {
        return closing.get();
    }

    int queued() {
        return queue.size();
    }

    private void stopWriter() {
        queue.clear();
        while (!queue.offer(STOP)) {
            queue.clear();
        }
    }

    private void write() {
        try {
            while (true) {
                String message = queue.poll(heartbeat.toMillis(), TimeUnit.MILLISECONDS);
                if (message == STOP) {
                    if (!peerGone) {
                        session.close(closeCode, closeReason);
                    }
                    return;
                }
                if (message == null) {
                    message = "{\"t\":\"ping\",\"ts\":" + System.currentTimeMillis() + "}";
                }
                session.send(message, true);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            // the connection broke under a send: the reader side sees it too
            LOGGER.log(Level.DEBUG, "socket write failed", e);
        }
    }
}
