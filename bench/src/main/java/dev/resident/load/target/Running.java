package dev.resident.load.target;

import java.net.URI;
import java.util.List;

/** A started server; {@link #close()} stops it and everything it launched. */
public interface Running extends AutoCloseable {
    URI base();

    /** Every process of the server (several with cross-process fanout); the first is {@link #base()}. */
    default List<URI> bases() {
        return List.of(base());
    }

    /** Bearer token of {@code POST /_/dbevent}. */
    String adminToken();

    /** Memory and CPU of the server's processes. */
    Usage usage();

    @Override
    void close();
}
