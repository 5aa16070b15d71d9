package dev.resident.web;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** When a /48 counts as one client, and for how long (a clock the test moves). */
class SpreadNetworksTest {
    private static final long HOUR = Duration.ofHours(1).toNanos();
    private final AtomicLong now = new AtomicLong(42);
    private final SpreadNetworks networks = new SpreadNetworks(2, Duration.ofHours(1), 3, now::get);

    /** The first 64 bits of 2001:db8:{net48}:{net64}::. */
    private static long net(int net48, int net64) {
        return 0x20010db8_00000000L | ((long) net48 << 16) | net64;
    }

    @Test
    void aSlash48SpreadsPastItsAllowanceOfSlash64sAndStaysSoWhileItIsBusy() {
        assertFalse(networks.spread(net(1, 1)));
        assertFalse(networks.spread(net(1, 2)));
        assertFalse(networks.spread(net(1, 1)), "a /64 seen before is not another");
        assertFalse(networks.spread(net(2, 1)), "another /48 counts on its own");
        assertTrue(networks.spread(net(1, 3)));
        assertTrue(networks.spread(net(1, 1)), "every /64 of a spread /48");
        now.addAndGet(HOUR - 1);
        assertTrue(networks.spread(net(1, 1)), "a request within the window keeps it spread");
        now.addAndGet(HOUR - 1);
        assertTrue(networks.spread(net(1, 2)));
        now.addAndGet(HOUR + 1);
        assertFalse(networks.spread(net(1, 2)), "quiet for a whole window: its /64s count on their own again");
    }

    @Test
    void slash64sAreCountedWithinOneWindow() {
        assertFalse(networks.spread(net(1, 1)));
        assertFalse(networks.spread(net(1, 2)));
        now.addAndGet(HOUR + 1);
        assertFalse(networks.spread(net(1, 3)), "the first two were seen in the window before");
        assertFalse(networks.spread(net(1, 4)));
        assertTrue(networks.spread(net(1, 5)));
    }

    @Test
    void theSlash48sRememberedAreBoundedAndTheLeastRecentlySeenGoesFirst() {
        networks.spread(net(1, 1));
        networks.spread(net(1, 2));
        networks.spread(net(2, 1));
        networks.spread(net(3, 1));
        networks.spread(net(1, 1)); // the /48 1 seen again: the /48 2 is now the oldest
        networks.spread(net(4, 1)); // one past the three remembered: 2 is forgotten
        assertTrue(networks.spread(net(1, 3)), "/48 1 was remembered");
        networks.spread(net(2, 2));
        assertFalse(networks.spread(net(2, 3)), "/48 2 was forgotten: its count began again");
    }

    @Test
    void zeroAllowsEverySlash64OnItsOwn() {
        SpreadNetworks never = new SpreadNetworks(0, Duration.ofHours(1), 3, now::get);
        for (int i = 0; i < 100; i++) {
            assertFalse(never.spread(net(1, i)));
        }
    }
}
