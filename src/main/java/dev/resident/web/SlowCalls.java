package dev.resident.web;

import dev.resident.metrics.ResidentMeters;
import dev.resident.ops.Timers;
import io.helidon.metrics.api.Counter;

import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicReferenceArray;
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
    /** Calls watched without the overflow map: four times the 1,000 calls in flight of the bench's largest case, so a free slot is near; a power of two. */
    private static final int SLOTS = 4096;
    private final Duration threshold;
    private final Counter slow;
    /**
     * The calls in flight: each takes a free slot (one compare-and-set, near where its thread's id
     * points) and clears it when done; a map holds the rest when every slot is taken. A map alone
     * cost ~7 % of a ws-rpc call's CPU (bench/README, "Jackson's buffer pool").
     */
    private final AtomicReferenceArray<Call> slots = new AtomicReferenceArray<>(SLOTS);
    private final ConcurrentHashMap<Call, Boolean> overflow = new ConcurrentHashMap<>();
    private final Future<?> watch;

    SlowCalls(Duration threshold, ResidentMeters meters, Timers timers) {
        this.threshold = threshold;
        this.slow = meters.counter("resident.slow.calls", "page calls that ran longer than resident.limits.slow-call");
        this.watch = timers.every("slow-calls", Duration.ofMillis(Math.max(100, threshold.toMillis() / 4)), this::check);
    }

    /**
     * Marks the current thread as running {@code method} of {@code pageId} since {@code started}
     * ({@link System#nanoTime}); close the result when done.
     */
    Call start(String pageId, String method, long started) {
        Thread thread = Thread.currentThread();
        int first = (int) thread.threadId() & (SLOTS - 1);
        for (int i = 0; i < SLOTS; i++) {
            int slot = (first + i) & (SLOTS - 1);
            if (slots.get(slot) == null) {
                Call call = new Call(thread, pageId, method, started, slot);
                if (slots.compareAndSet(slot, null, call)) {
                    return call;
                }
            }
        }
        Call call = new Call(thread, pageId, method, started, -1);
        overflow.put(call, Boolean.TRUE);
        return call;
    }

    private void check() {
        for (int slot = 0; slot < SLOTS; slot++) {
            Call call = slots.get(slot);
            if (call != null) {
                check(call);
            }
        }
        overflow.keySet().forEach(this::check);
    }

    private void check(Call call) {
        long now = System.nanoTime();
        if (call.reported || now - call.started < threshold.toNanos()) {
            return;
        }
        call.reported = true;
        slow.increment();
        String stack = Arrays.stream(call.thread.getStackTrace()).limit(MAX_FRAMES)
                .map(frame -> "\tat " + frame).collect(Collectors.joining("\n"));
        LOGGER.log(Level.WARNING, "slow page call: " + call.method + " on page " + call.pageId + " running for "
                + Duration.ofNanos(now - call.started).toMillis() + " ms (limit " + threshold.toMillis()
                + " ms), thread " + call.thread + "\n" + stack);
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
        /** Its slot, or -1 in the overflow map. */
        private final int slot;
        private volatile boolean reported;

        private Call(Thread thread, String pageId, String method, long started, int slot) {
            this.thread = thread;
            this.pageId = pageId;
            this.method = method;
            this.started = started;
            this.slot = slot;
        }

        @Override
        public void close() {
            if (slot >= 0) {
                slots.set(slot, null);
            } else {
                overflow.remove(this);
            }
        }
    }
}
