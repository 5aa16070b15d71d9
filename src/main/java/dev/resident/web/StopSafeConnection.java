package dev.resident.web;

import io.helidon.common.concurrency.limits.Limit;
import io.helidon.common.task.InterruptableTask;
import io.helidon.webserver.spi.ServerConnection;

import java.time.Duration;
import java.util.concurrent.Semaphore;

/**
 * Helidon's HTTP/1 connection as the server's stop sees it. The stop closes the listening socket,
 * then interrupts at once every connection that Helidon counts as idle (waiting for a request
 * head), and gives the others up to its grace period ({@code server.shutdown-grace-period},
 * 0.5 s). A connection accepted just before the listener closed also waits for its first head,
 * yet its request is on its way: a proxy sends it right after connecting, and, interrupted, gets
 * the connection closed under it and answers 502 (a POST it has sent is never sent again). So a connection may be interrupted only between
 * two requests, or once upgraded; until it has answered a first request, or while a head is
 * arriving, the stop waits for it like for a running request. This follows how Helidon 4.5.0's
 * listener stops ({@code HelidonPatchTest} fails on another version; {@code DrainTest} fails when
 * a connection accepted before the stop loses its first request).
 */
final class StopSafeConnection implements ServerConnection, InterruptableTask<Void> {
    private final ServerConnection helidon;
    private final ConnectionWatch.Watched watched;

    StopSafeConnection(ServerConnection helidon, ConnectionWatch.Watched watched) {
        this.helidon = helidon;
        this.watched = watched;
    }

    @Override
    public boolean canInterrupt() {
        return watched.betweenRequests() && helidonWouldInterrupt();
    }

    @Override
    public void handle(Limit limit) throws InterruptedException {
        watched.run(() -> helidon.handle(limit));
    }

    @Override
    @SuppressWarnings("deprecation")
    public void handle(Semaphore requestSemaphore) throws InterruptedException {
        watched.run(() -> helidon.handle(requestSemaphore));
    }

    @Override
    public Duration idleTime() {
        return helidon.idleTime();
    }

    /**
     * The stop first asks every connection to close without interrupting it, which Helidon's
     * connection takes as leave to interrupt itself when it waits for a head. One whose first head,
     * or the rest of a head, is on its way is left to answer it (from the drain on, its answer
     * closes it); the stop's grace bounds the wait, then it is closed with an interrupt.
     */
    @Override
    public void close(boolean interrupt) {
        if (interrupt || watched.betweenRequests() || !helidonWouldInterrupt()) {
            helidon.close(interrupt);
        }
    }

    private boolean helidonWouldInterrupt() {
        return helidon instanceof InterruptableTask<?> task && task.canInterrupt();
    }
}
