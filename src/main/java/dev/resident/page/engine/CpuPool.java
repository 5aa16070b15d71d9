package dev.resident.page.engine;

import dev.resident.page.PageException;

import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * Platform threads for CPU-bound page code. Virtual threads are not time-sliced: a page method
 * that computes for a second holds one of the few carrier threads for that second, and every
 * other page waits. Work handed to this pool runs on threads the OS time-slices, while the
 * calling virtual thread just parks. Work that must not wait behind page code's (password checks)
 * has threads and a queue of its own ({@link #computeApart}): a client whose pages fill the
 * queue with computations cannot keep everyone from logging in.
 */
public final class CpuPool implements AutoCloseable {
    /** Computations waiting apart at most: more than the logins allowed to wait at once. */
    static final int APART_QUEUE = 256;
    /** Whether the current thread is one of a pool's own (see {@link #run}). */
    private static final ThreadLocal<Boolean> ON_POOL = ThreadLocal.withInitial(() -> false);
    private final ThreadPoolExecutor executor;
    private final ThreadPoolExecutor apart;

    /**
     * @param threads  how many computations run at once (the number of cores is a good start)
     * @param maxQueue computations waiting beyond this are refused with 503 {@code unavailable}
     *                 (which a page's call turns into {@code cpu_busy}: it ran up to there)
     */
    public CpuPool(int threads, int maxQueue) {
        this.executor = new ThreadPoolExecutor(threads, threads, 0, TimeUnit.MILLISECONDS,
                new ArrayBlockingQueue<>(maxQueue), poolThreads("resident-cpu-"));
        int apartThreads = Math.max(1, threads / 2);
        this.apart = new ThreadPoolExecutor(apartThreads, apartThreads, 0, TimeUnit.MILLISECONDS,
                new ArrayBlockingQueue<>(APART_QUEUE), poolThreads("resident-cpu-apart-"));
    }

    /** Runs {@code work} on the pool and returns its result; the caller blocks (parks) meanwhile. */
    public <T> T compute(Callable<T> work) throws Exception {
        return run(executor, work);
    }

    /**
     * Like {@link #compute}, on threads of their own (half as many, at least one) that page code's
     * computations never occupy: for work that must go on whatever pages compute, such as password
     * checks. The OS time-slices them with the pool's.
     */
    public <T> T computeApart(Callable<T> work) throws Exception {
        return run(apart, work);
    }

    private static <T> T run(ThreadPoolExecutor on, Callable<T> work) throws Exception {
        if (ON_POOL.get()) {
            // work already on a pool thread (a helper that computes, called from a computation):
            // queued, it would wait for a thread it holds, and with every thread held so the pool
            // would serve no one again
            return work.call();
        }
        Future<T> result;
        try {
            result = on.submit(work);
        } catch (RejectedExecutionException e) {
            throw new PageException(503, "unavailable", "the server is busy computing");
        }
        try {
            return result.get();
        } catch (InterruptedException e) {
            result.cancel(true);
            throw e;
        } catch (ExecutionException e) {
            if (e.getCause() instanceof Exception cause) {
                throw cause;
            }
            throw e;
        }
    }

    /** Platform daemon threads named {@code prefix} and a number, each marked as a pool's own. */
    private static ThreadFactory poolThreads(String prefix) {
        ThreadFactory threads = Thread.ofPlatform().daemon().name(prefix, 0).factory();
        return work -> threads.newThread(() -> {
            ON_POOL.set(true);
            work.run();
        });
    }

    @Override
    public void close() {
        executor.shutdownNow();
        apart.shutdownNow();
    }
}
