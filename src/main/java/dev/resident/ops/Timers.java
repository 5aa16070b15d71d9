package dev.resident.ops;

import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The process's timers: one platform thread that only keeps time. Every task it fires runs on a
 * virtual thread of its own, so a task that blocks (a state-store round trip, a slow socket)
 * delays no other, and a task that throws is logged and runs again at its next time. {@code
 * Resident} owns the one instance and closes it last; the expiry sweep, the lease renewal, the
 * socket heartbeat, the slow-call watchdog and the tasks' progress get it handed down.
 */
public final class Timers implements AutoCloseable {
    private static final System.Logger LOGGER = System.getLogger(Timers.class.getName());
    private final ScheduledExecutorService clock = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().daemon().name("resident-timer").factory());

    /**
     * Runs {@code task} every {@code period}, the first time one period from now. A run still going
     * when the next is due makes that one skip: never two runs at once. Cancel the result to stop.
     *
     * @param name the name of the virtual threads that run it
     */
    public Future<?> every(String name, Duration period, Runnable task) {
        long millis = Math.max(1, period.toMillis());
        AtomicBoolean running = new AtomicBoolean();
        Runnable fire = () -> {
            if (running.compareAndSet(false, true)) {
                Thread.ofVirtual().name(name).start(() -> {
                    try {
                        task.run();
                    } catch (RuntimeException | Error e) {
                        LOGGER.log(Level.ERROR, name + " failed; it runs again in " + millis + " ms", e);
                    } finally {
                        running.set(false);
                    }
                });
            }
        };
        try {
            return clock.scheduleAtFixedRate(fire, millis, millis, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            return stopped();
        }
    }

    /**
     * Runs {@code task} once, {@code delay} from now; cancel the result to stop it. Nothing runs
     * once the timers are closed.
     *
     * @param name the name of the virtual thread that runs it
     */
    public Future<?> after(String name, Duration delay, Runnable task) {
        try {
            return clock.schedule(() -> Thread.ofVirtual().name(name).start(task), delay.toNanos(), TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException e) {
            return stopped();
        }
    }

    /** Stops the clock: nothing fires any more (runs already started finish). Safe twice. */
    @Override
    public void close() {
        clock.shutdownNow();
    }

    private static Future<?> stopped() {
        CompletableFuture<Void> never = new CompletableFuture<>();
        never.cancel(false);
        return never;
    }
}
