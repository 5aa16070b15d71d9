package dev.resident.load.net;

import java.util.ArrayList;
import java.util.List;

/** A fixed group of event loops; the cases spread their connections over them. */
public final class Loops implements AutoCloseable {
    private final List<EventLoop> loops = new ArrayList<>();

    public Loops(int count, String name) {
        for (int i = 0; i < count; i++) {
            loops.add(new EventLoop(name + "-" + i));
        }
    }

    public List<EventLoop> all() {
        return loops;
    }

    @Override
    public void close() {
        loops.forEach(EventLoop::close);
    }
}
