package dev.resident.task.engine;

import java.util.Locale;

/** Where a job is; a job only moves forward, and a finished one never changes again. */
public enum JobState {
    QUEUED, RUNNING, DONE, FAILED, CANCELLED;

    /** The name on the wire: {@code queued}, {@code running}, ... */
    public String wire() {
        return name().toLowerCase(Locale.ROOT);
    }

    public boolean finished() {
        return this == DONE || this == FAILED || this == CANCELLED;
    }

    static JobState ofWire(String name) {
        return valueOf(name.toUpperCase(Locale.ROOT));
    }
}
