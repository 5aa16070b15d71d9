package dev.resident.load.net;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/** A fixed group of event loops; links are spread over them round robin. */
public final class Loops implements AutoCloseable {
    private final List<EventLoop> loops = new ArrayList<>();
    private final AtomicInteger next = new AtomicInteger();

    public Loops(int count, String name) {
        for (int i = 0; i < count; i++) {
            loops.add(new EventLoop(name + "-" + i));
        }
    }

    public EventLoop next() {
        return loops.get(Math.floorMod(next.getAndIncrement(), loops.size()));
    }

    public List<EventLoop> all() {
        return loops;
    }

    @Override
    public void close() {
        loops.forEach(EventLoop::close);
    }
}
