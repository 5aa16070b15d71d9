package dev.resident.state.mvstore;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Writers wait for a commit that covers their write, and share commits. */
@Timeout(30)
class GroupCommitTest {

    /** Writes counted as made; a "commit" records how many were made when it started. */
    private final AtomicLong made = new AtomicLong();
    private final AtomicLong durable = new AtomicLong();
    private final AtomicInteger commits = new AtomicInteger();

    private void commit() {
        long upTo = made.get();
        commits.incrementAndGet();
        durable.accumulateAndGet(upTo, Math::max);
    }

    @Test
    void everyWriterReturnsCoveredAndConcurrentWritersShareCommits() throws Exception {
        GroupCommit group = new GroupCommit(this::commit, 1, Duration.ofMillis(20));
        int writers = 64;
        CountDownLatch start = new CountDownLatch(1);
        List<Thread> threads = new ArrayList<>();
        List<Throwable> failures = Collections.synchronizedList(new ArrayList<>());
        for (int i = 0; i < writers; i++) {
            threads.add(Thread.ofVirtual().start(() -> {
                try {
                    start.await();
                    long mine = made.incrementAndGet();
                    group.awaitCommit();
                    if (durable.get() < mine) {
                        failures.add(new AssertionError("returned before a commit covered write " + mine));
                    }
                } catch (Throwable e) {
                    failures.add(e);
                }
            }));
        }
        start.countDown();
        for (Thread thread : threads) {
            thread.join();
        }
        assertEquals(List.of(), failures);
        assertTrue(commits.get() < writers / 4, commits.get() + " commits for " + writers + " concurrent writers");
    }

    @Test
    void aFailedCommitFailsTheWriterThatRanItAndTheNextWriterCommitsAgain() {
        AtomicInteger calls = new AtomicInteger();
        GroupCommit group = new GroupCommit(() -> {
            if (calls.incrementAndGet() == 1) {
                throw new IllegalStateException("disk full");
            }
            commit();
        }, 1, Duration.ZERO);
        made.incrementAndGet();
        assertThrows(IllegalStateException.class, group::awaitCommit);
        long second = made.incrementAndGet();
        group.awaitCommit();
        assertEquals(second, durable.get());
        assertEquals(2, calls.get());
    }

    @Test
    void aBurstCommitsAtOnceThenCommitsWaitOutTheGap() {
        Duration gap = Duration.ofMillis(300);
        GroupCommit group = new GroupCommit(this::commit, 3, gap);
        long before = System.nanoTime();
        for (int i = 0; i < 3; i++) {
            made.incrementAndGet();
            group.awaitCommit();
        }
        long burst = System.nanoTime() - before;
        made.incrementAndGet();
        group.awaitCommit();
        long fourth = System.nanoTime() - before;
        assertEquals(4, commits.get());
        assertTrue(burst < gap.toNanos(), "three commits of the burst took " + burst / 1_000_000 + " ms");
        assertTrue(fourth >= gap.toNanos() * 9 / 10, "the fourth commit came " + fourth / 1_000_000 + " ms after the first");
    }

    @Test
    void commitsWaitUntilTheByteBudgetHasPaidForTheOnesBefore() {
        long rate = 1_000_000; // bytes a second: a second's worth may go at once
        AtomicLong written = new AtomicLong(); // each commit writes 200 KB
        GroupCommit group = new GroupCommit(() -> {
            commit();
            written.addAndGet(200_000);
        }, 64, Duration.ZERO, written::get, rate);
        long before = System.nanoTime();
        for (int i = 0; i < 6; i++) { // 1.2 MB: the budget's first second, and a debt of 200 KB
            made.incrementAndGet();
            group.awaitCommit();
        }
        long sixth = System.nanoTime() - before;
        made.incrementAndGet();
        group.awaitCommit(); // waits until the debt is paid
        long seventh = System.nanoTime() - before;
        made.incrementAndGet();
        group.awaitCommit(); // and until the seventh's 200 KB are
        long eighth = System.nanoTime() - before;
        assertEquals(8, commits.get());
        assertTrue(sixth < 150_000_000L, "the first second's budget went at once: " + sixth / 1_000_000 + " ms");
        assertTrue(seventh >= 180_000_000L, "the seventh commit waited for the 200 KB of debt: " + seventh / 1_000_000 + " ms");
        assertTrue(eighth >= 380_000_000L, "the eighth waited for the seventh's 200 KB too: " + eighth / 1_000_000 + " ms");
    }

    @Test
    void aHugeCommitCostsTheNextOneAQuarterOfASecondAtMost() {
        long rate = 1_000_000;
        AtomicLong written = new AtomicLong();
        GroupCommit group = new GroupCommit(() -> {
            commit();
            written.addAndGet(made.get() == 1 ? 5_000_000 : 1_000); // the first carries a backlog of batched writes
        }, 64, Duration.ZERO, written::get, rate);
        made.incrementAndGet();
        group.awaitCommit();
        long before = System.nanoTime();
        made.incrementAndGet();
        group.awaitCommit();
        long waited = System.nanoTime() - before;
        assertTrue(waited < 2_000_000_000L, "charged in full, the 5 MB would have held it 4 s: " + waited / 1_000_000 + " ms");
    }
}
