package dev.resident.page.engine;

import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * Where a call comes from.
 *
 * @param address        the key of its client's address, worked out only when page code asks (a
 *                       guest's jobs are counted by it)
 * @param stillEntitled  whether the session that sent the call still is what it was then: a login
 *                       or logout may take the session while the call waits for the page, and the
 *                       call must not run as whoever holds it now
 */
public record Caller(Supplier<String> address, BooleanSupplier stillEntitled) {
}
