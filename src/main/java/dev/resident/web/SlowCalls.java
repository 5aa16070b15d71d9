package dev.resident.web;

import dev.resident.metrics.ResidentMeters;
import dev.resident.ops.Timers;
import io.helidon.metrics.api.Counter;

import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Future;
import java.util.stream.Collectors;

/**
 * The watchdog of page calls: a call still running after {@code resident.limits.slow-call} is
 * logged once, with its method, page and the stack of the thread running it, and counted in
 * {@code resident_slow_calls_total}. It does not stop the call: page code is blocking Java and
 * cannot be cut safely; the log line says where it is stuck.
 */
public final class SlowCalls implements AutoCloseable {
    private static final System.Logger LOGGER = System.getLogger(SlowCalls.class.getName());
    private static final int MAX_FRAMES = 40;
    private final Duration threshold;
    private final Counter slow;
    private final ConcurrentHashMap<Call, Boolean> running = new ConcurrentHashMap<>();
    private final Future<?> watch;

    SlowCalls(Duration threshold, ResidentMeters meters, Timers timers) {
        this.threshold = threshold;
        this.slow = meters.counter("resident.slow.calls", "page calls that ran longer than resident.limits.slow-call");
        this.watch = timers.every("slow-calls", Duration.ofMillis(Math.max(100, threshold.toMillis() / 4)), this::check);
    }

    /** Marks the current thread as running {@code method} of {@code pageId}; close the result when done. */
    Call start(String pageId, String method) {
        Call call = new Call(Thread.currentThread(), pageId, method, System.nanoTime());
        running.put(call, Boolean.TRUE);
        return call;
    }

    private void check() {
        long now = System.nanoTime();
        for (Call call : running.keySet()) {
            if (!call.reported && now - call.started >= threshold.toNanos()) {
                call.reported = true;
                slow.increment();
                String stack = Arrays.stream(call.thread.getStackTrace()).limit(MAX_FRAMES)
                        .map(frame -> "\tat " + frame).collect(Collectors.joining("\n"));
                LOGGER.log(Level.WARNING, "slow page call: " + call.method + " on page " + call.pageId + " running for "
                        + Duration.ofNanos(now - call.started).toMillis() + " ms (limit " + threshold.toMillis()
                        + " ms), thread " + call.thread + "\n" + stack);
            }
        }
    }

    @Override
    public void close() {
        watch.cancel(false);
    }

    /** One call in flight. */
    final class Call implements AutoCloseable {
        private final Thread thread;
        private final String pageId;
        private final String method;
        private final long started;
        private volatile boolean reported;

        private Call(Thread thread, String pageId, String method, long started) {
            this.thread = thread;
            this.pageId = pageId;
            this.method = method;
            this.started = started;
        }

        @Override
        public void close() {
            running.remove(this);
        }
    }
}
