package dev.resident.task.engine;

/**
 * One way jobs travel: a queue, the store of their states, the events to their pages and the
 * runner of this process's workers. A site on NATS has the JetStream lane and, as fallback, the
 * in-process one.
 */
record Lane(String name, JobQueue queue, JobStore store, JobEvents events, JobRunner runner) implements AutoCloseable {

    @Override
    public void close() {
        queue.close();
        events.close();
        store.close();
    }
}
