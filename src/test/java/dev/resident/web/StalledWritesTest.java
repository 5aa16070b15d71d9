package dev.resident.web;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Which of one sweep's stalled writes are beyond their address's cap (a clock the test sets). */
class StalledWritesTest {
    private static final long NOW = 1_000_000_000_000L;
    private static final long SECOND = 1_000_000_000L;

    @Test
    void beyondTheCapTheLongestStalledOfEachAddressAreClosed() {
        StalledWrites<String> stalled = new StalledWrites<>(2, NOW);
        stalled.add("a", NOW - 5 * SECOND, "a5");
        stalled.add("a", NOW - 2 * SECOND, "a2");
        stalled.add("a", NOW - 9 * SECOND, "a9");
        stalled.add("a", NOW - 3 * SECOND, "a3");
        stalled.add("b", NOW - 9 * SECOND, "b9");
        stalled.add("b", NOW - 8 * SECOND, "b8");
        assertEquals(List.of("a9", "a5"), stalled.beyondCap(), "b holds only its cap");
    }

    @Test
    void aWriteIsStalledOnlyOnceItWaitedASecond() {
        StalledWrites<String> stalled = new StalledWrites<>(1, NOW);
        stalled.add("a", 0, "none going on");
        stalled.add("a", NOW - SECOND, "a second, not more");
        stalled.add("a", NOW - SECOND / 2, "half a second");
        stalled.add("a", NOW - 2 * SECOND, "stalled");
        assertEquals(List.of(), stalled.beyondCap());
        stalled.add("a", NOW - SECOND - 1, "stalled too");
        assertEquals(List.of("stalled"), stalled.beyondCap());
    }
}
