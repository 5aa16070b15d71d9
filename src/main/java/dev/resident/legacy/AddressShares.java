package dev.resident.legacy;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What each client address holds at once of places shared by the whole process, at most
 * {@code perAddress} each: one client cannot take them all. An address is kept only while it holds
 * a place (its entry goes when its count is back to zero), so there are never more entries than
 * places taken.
 */
final class AddressShares {
    private final Map<String, Integer> held = new ConcurrentHashMap<>();
    private final int perAddress;

    AddressShares(int perAddress) {
        this.perAddress = perAddress;
    }

    /** Takes a place for {@code address}; false, taking nothing, when it holds its share already. */
    boolean take(String address) {
        boolean[] taken = new boolean[1];
        held.compute(address, (key, count) -> {
            int now = count == null ? 0 : count;
            if (now >= perAddress) {
                return count;
            }
            taken[0] = true;
            return now + 1;
        });
        return taken[0];
    }

    /** Gives back a place {@link #take} took. */
    void release(String address) {
        held.computeIfPresent(address, (key, count) -> count == 1 ? null : count - 1);
    }

    /** Addresses holding a place now. */
    int addresses() {
        return held.size();
    }
}
