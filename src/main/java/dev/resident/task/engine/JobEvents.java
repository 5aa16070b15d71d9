package dev.resident.task.engine;

/**
 * Carries a job's new state to its page as a {@code job} message, wherever that page lives: in
 * this process, or (NATS backend) in the process that holds the page when the message arrives.
 */
public interface JobEvents extends AutoCloseable {

    void send(JobStatus status);

    @Override
    default void close() {
    }
}
