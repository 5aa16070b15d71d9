package dev.resident.task.engine;

import dev.resident.ops.Timers;

import java.time.Duration;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Coalesces one job's progress reports: at most one goes out per interval, the latest wins, and
 * the last one of a burst still goes out when the interval ends. Nothing goes out after
 * {@link #close()}, so a progress message never follows the job's final one.
 */
final class ProgressGate {
    private final long intervalNanos;
    private final Timers timer;
    private final Consumer<Progress> sink;
    private Progress pending;
    private long lastSent;
    private boolean sentAny;
    private Future<?> flush;
    private boolean closed;

    ProgressGate(int perSecond, Timers timer, Consumer<Progress> sink) {
        this.intervalNanos = TimeUnit.SECONDS.toNanos(1) / perSecond;
        this.timer = timer;
        this.sink = sink;
    }

    synchronized void offer(Progress progress) {
        if (closed) {
            return;
        }
        pending = progress;
        long now = System.nanoTime();
        if (!sentAny || now - lastSent >= intervalNanos) {
            sendPending(now);
        } else if (flush == null) {
            // the sink may block (a KV round trip): the timers run it on a virtual thread
            flush = timer.after("resident-task-progress", Duration.ofNanos(lastSent + intervalNanos - now), this::flush);
        }
    }

    /** Stops sending; a report still waiting is dropped (the final message carries the last progress). */
    synchronized void close() {
        closed = true;
        pending = null;
        if (flush != null) {
            flush.cancel(false);
            flush = null;
        }
    }

    private synchronized void flush() {
        flush = null;
        if (!closed && pending != null) {
            sendPending(System.nanoTime());
        }
    }

    private void sendPending(long now) {
        Progress next = pending;
        pending = null;
        lastSent = now;
        sentAny = true;
        sink.accept(next);
    }
}
