package dev.resident.task;

import dev.resident.page.Params;

/**
 * Checks a task's params when it is submitted, before it is queued: throwing
 * {@link dev.resident.page.PageException#unprocessable(String)} (or calling a {@link Params}
 * accessor that does) refuses the submit with 422.
 */
@FunctionalInterface
public interface ParamsCheck {
    void check(Params params);
}
