package dev.resident.load.scenario;

import dev.resident.load.net.EventLoop;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** Merges the per-loop recorders, reading each on its own loop's thread. */
final class Collect {
    private Collect() {
    }

    static Recorder merge(List<EventLoop> loops, List<Recorder> recorders) throws Exception {
        Recorder total = new Recorder();
        for (int i = 0; i < loops.size(); i++) {
            Recorder recorder = recorders.get(i);
            CompletableFuture<Void> added = new CompletableFuture<>();
            loops.get(i).execute(() -> {
                total.add(recorder);
                added.complete(null);
            });
            added.get(10, TimeUnit.SECONDS);
        }
        return total;
    }
}
