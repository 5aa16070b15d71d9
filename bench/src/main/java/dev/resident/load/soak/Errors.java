package dev.resident.load.soak;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/** Counts of what went wrong, by kind; the first message of each kind is kept for the report. */
final class Errors {
    private final Map<String, LongAdder> counts = new ConcurrentHashMap<>();
    private final Map<String, String> first = new ConcurrentHashMap<>();

    void add(String kind, String detail) {
        counts.computeIfAbsent(kind, k -> new LongAdder()).increment();
        if (first.putIfAbsent(kind, detail) == null) {
            System.err.println("soak error " + kind + ": " + detail);
        }
    }

    long total() {
        return counts.values().stream().mapToLong(LongAdder::sum).sum();
    }

    Map<String, Long> byKind() {
        Map<String, Long> out = new TreeMap<>();
        counts.forEach((kind, count) -> out.put(kind, count.sum()));
        return out;
    }

    Map<String, String> firstMessages() {
        return new TreeMap<>(first);
    }
}
