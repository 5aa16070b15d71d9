package dev.resident.legacy;

import io.helidon.webclient.api.ClientRequest;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/**
 * Streams a request body from the client to the legacy app piece by piece, up to a limit. Its
 * failures are told apart: reading the client ({@link ClientGone}), the limit ({@link
 * BodyTooLarge}), writing the legacy app (anything else).
 */
final class RequestBody implements ClientRequest.OutputStreamHandler {
    static final int BUFFER = 64 * 1024;
    private final InputStream from;
    private final long limit;

    RequestBody(InputStream from, long limit) {
        this.from = from;
        this.limit = limit;
    }

    @Override
    public void handle(OutputStream to) throws IOException {
        byte[] buffer = new byte[BUFFER];
        long total = 0;
        for (int n = read(buffer); n >= 0; n = read(buffer)) {
            total += n;
            if (total > limit) {
                throw new BodyTooLarge(limit);
            }
            to.write(buffer, 0, n);
        }
        to.close();
    }

    private int read(byte[] buffer) {
        try {
            return from.read(buffer);
        } catch (IOException | RuntimeException e) {
            // a broken, cut or malformed upload is the client's doing
            throw new ClientGone(e);
        }
    }
}
