package dev.resident.web;

import io.helidon.common.buffers.BufferData;
import io.helidon.common.buffers.DataWriter;

/**
 * A connection's writer that shows {@link ConnectionWatch} when a write waits for its client: a
 * write begins and ends around each piece of at most {@link #PIECE} bytes, so that a write still
 * going on after the send timeout means a client that took less than one piece in that time, however
 * large the answer. Helidon's own writer (direct, the server's default) blocks in the socket's write.
 */
final class WatchedWriter implements DataWriter {
    /** The most one timed write holds: a larger buffer goes out in pieces of this many bytes. */
    static final int PIECE = 16 * 1024;
    private final DataWriter delegate;
    private final ConnectionWatch.Watched watched;

    WatchedWriter(DataWriter delegate, ConnectionWatch.Watched watched) {
        this.delegate = delegate;
        this.watched = watched;
    }

    @Override
    public void write(BufferData... buffers) {
        write(BufferData.create(buffers));
    }

    @Override
    public void write(BufferData buffer) {
        inPieces(buffer, false);
    }

    @Override
    public void writeNow(BufferData... buffers) {
        writeNow(BufferData.create(buffers));
    }

    @Override
    public void writeNow(BufferData buffer) {
        inPieces(buffer, true);
    }

    private void inPieces(BufferData buffer, boolean now) {
        if (buffer.available() <= PIECE) {
            timed(buffer, now);
            return;
        }
        while (buffer.available() > 0) {
            // an array each: a writer with a queue (write-queue-length > 1) keeps the piece it was given
            byte[] piece = new byte[Math.min(PIECE, buffer.available())];
            int length = buffer.read(piece, 0, piece.length);
            timed(BufferData.create(piece, 0, length), now);
        }
    }

    private void timed(BufferData piece, boolean now) {
        watched.writeBegins();
        try {
            if (now) {
                delegate.writeNow(piece);
            } else {
                delegate.write(piece);
            }
        } finally {
            watched.writeEnds();
        }
    }

    @Override
    public void flush() {
        delegate.flush();
    }

    @Override
    public void close() {
        delegate.close();
    }
}
