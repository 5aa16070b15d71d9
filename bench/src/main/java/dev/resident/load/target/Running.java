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
 */
public record Running(List<URI> bases, String adminToken, Usage usage, Runnable stop) implements AutoCloseable {

    /** A server of one process. */
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
