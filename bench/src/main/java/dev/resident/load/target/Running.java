package dev.resident.load.target;

import java.net.URI;
import java.util.List;

/**
 * A started server; {@link #close()} stops it and everything it launched.
 *
 * @param bases      every process of the server (several with cross-process fanout); the first is {@link #base()}
 * @param adminToken bearer token of {@code POST /_/dbevent}
 * @param usage      memory and CPU of the server's processes
 * @param stop       stops the server
 * @param startSeconds from starting the process to its port accepting connections, or NaN when not started here
 */
public record Running(List<URI> bases, String adminToken, Usage usage, Runnable stop, double startSeconds)
        implements AutoCloseable {

    /** A server of one or several processes whose start was not timed. */
    public Running(List<URI> bases, String adminToken, Usage usage, Runnable stop) {
        this(bases, adminToken, usage, stop, Double.NaN);
    }

    /** A server of one process whose start was not timed. */
    public Running(URI base, String adminToken, Usage usage, Runnable stop) {
        this(List.of(base), adminToken, usage, stop);
    }

    public URI base() {
        return bases.getFirst();
    }

    @Override
    public void close() {
        stop.run();
    }
}
