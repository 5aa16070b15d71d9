package dev.resident.legacy;

import io.helidon.webclient.api.TcpClientConnection;

import java.io.IOException;
import java.io.OutputStream;

/**
 * A request body on its way to the legacy app. A socket's write has no timeout: a legacy app that
 * takes connections but reads nothing (every worker stuck, the kernel's backlog accepting) held
 * an upload larger than the sockets' buffers for ever, where a request without a body got 504
 * after {@code legacy.timeout}. A write the legacy app takes nothing of within the timeout cuts
 * the connection ({@link #cutIfStuck}, from {@link LegacyProxy}'s watch), so the blocked write fails.
 */
final class UploadWatch extends OutputStream {
    private final OutputStream to;
    private final TcpClientConnection connection;
    private final long timeoutNanos;
    /** When the write under way began ({@link System#nanoTime}), or 0 when none is. */
    private volatile long writingSince;
    private volatile boolean cut;

    UploadWatch(OutputStream to, TcpClientConnection connection, long timeoutNanos) {
        this.to = to;
        this.connection = connection;
        this.timeoutNanos = timeoutNanos;
    }

    @Override
    public void write(int b) throws IOException {
        begin();
        try {
            to.write(b);
        } finally {
            writingSince = 0;
        }
    }

    @Override
    public void write(byte[] bytes, int offset, int length) throws IOException {
        begin();
        try {
            to.write(bytes, offset, length);
        } finally {
            writingSince = 0;
        }
    }

    @Override
    public void flush() throws IOException {
        begin();
        try {
            to.flush();
        } finally {
            writingSince = 0;
        }
    }

    @Override
    public void close() throws IOException {
        begin();
        try {
            to.close();
        } finally {
            writingSince = 0;
        }
    }

    /** Whether the connection was cut because the legacy app took nothing in time. */
    boolean wasCut() {
        return cut;
    }

    /** Cuts the connection when a write has waited longer than the timeout: the blocked write then fails. */
    void cutIfStuck(long now) {
        long since = writingSince;
        if (since != 0 && now - since > timeoutNanos) {
            cut = true;
            connection.closeResource();
        }
    }

    private void begin() {
        writingSince = System.nanoTime() | 1; // never 0: 0 says no write is under way
    }
}
