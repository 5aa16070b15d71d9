package dev.resident.task.engine;

import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class WindowSharesTest {
    private static final long HOUR = 3_600_000;

    @Test
    void aCountLastsTheCurrentWindowAndTheOneBefore() {
        WindowShares shares = new WindowShares(Duration.ofHours(1), 3, 100);
        long start = 10 * HOUR + HOUR / 2;
        assertTrue(shares.take("bob", 2, start));
        assertTrue(shares.take("bob", 1, start + HOUR)); // the next window: the two before still count
        assertFalse(shares.take("bob", 1, start + HOUR));
        assertTrue(shares.take("carol", 3, start + HOUR), "another quota's");
        assertTrue(shares.take("bob", 2, start + 2 * HOUR), "the first window is over: its two no longer count");
        assertFalse(shares.take("bob", 1, start + 2 * HOUR));
    }

    @Test
    void pastMaxTrackedTheQuotasThatTookLeastAreForgotten() {
        WindowShares shares = new WindowShares(Duration.ofHours(1), 10, 100);
        long now = 10 * HOUR;
        assertTrue(shares.take("heavy", 10, now));
        for (int i = 0; i < 1_000; i++) {
            shares.take("quota" + i, 1, now);
            assertTrue(shares.tracked() <= 100, shares.tracked() + " tracked");
        }
        assertFalse(shares.take("heavy", 1, now), "the quota at its share is still counted");
    }
}
