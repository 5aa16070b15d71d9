package dev.resident.legacy;

import dev.resident.ops.ThrottledLog;
import io.helidon.http.Method;
import io.helidon.http.Status;
import io.helidon.webclient.api.HttpClientResponse;
import io.helidon.webserver.CloseConnectionException;
import io.helidon.webserver.http.ServerResponse;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Duration;
import java.util.function.Supplier;

/**
 * Relays the legacy app's answer to the client piece by piece. Nothing reaches the client before
 * the first piece of the body has arrived, so a legacy app that fails until then is still answered
 * with a JSON error ({@link UpstreamFailure}); once the answer has begun, a failure can only cut
 * the connection, which tells the client the body is incomplete. From then on a virtual thread
 * takes the answer from the legacy app as fast as it comes, into an {@link AnswerSpool}, and the
 * request's thread gives it to the client at the client's pace.
 */
final class ResponseBody {
    /** The largest piece read from the legacy app at once. */
    static final int BUFFER = 16 * 1024;
    private static final System.Logger LOGGER = System.getLogger(ResponseBody.class.getName());
    /** One line a minute, however many bodies a failing legacy app cuts. */
    private static final ThrottledLog CUT_BODIES = new ThrottledLog(LOGGER, System.Logger.Level.WARNING,
            Duration.ofMinutes(1));

    private ResponseBody() {
    }

    /**
     * @param spool makes the spool the answer waits in while the client lags, once it has begun
     */
    static void relay(Method method, HttpClientResponse from, ServerResponse to, Supplier<AnswerSpool> spool) {
        Status status = from.status();
        if (status.code() < 200 || status.code() > 599) {
            // an interim answer (100, 103, a 101 Resident did not ask for) or no status at all: passed
            // on as final, it would put the real answer in its body, or make the connection a socket
            throw UpstreamFailure.badAnswer("status " + status.code());
        }
        if (method == Method.HEAD || !ResponseHeaders.hasBody(status)) {
            ResponseHeaders.forward(status, from.headers(), to);
            to.send();
            return;
        }
        InputStream in = from.inputStream();
        byte[] buffer = new byte[BUFFER];
        int n;
        try {
            n = in.read(buffer);
        } catch (IOException | RuntimeException e) {
            throw UpstreamFailure.of(e);
        }
        ResponseHeaders.forward(status, from.headers(), to);
        if (n < 0) {
            to.send();
            return;
        }
        OutputStream out = to.outputStream();
        try (AnswerSpool waiting = spool.get()) {
            // the legacy app's worker is free as soon as it has said all, however slowly the client reads
            Thread.ofVirtual().name("legacy-answer").start(() -> takeAll(in, waiting));
            while (n >= 0) {
                write(out, buffer, n);
                n = next(waiting, buffer);
            }
        }
        try {
            out.close();
        } catch (IOException | RuntimeException e) {
            throw new ClientGone(e);
        }
    }

    /** Takes the rest of the answer from the legacy app into {@code spool}, as fast as it comes. */
    private static void takeAll(InputStream in, AnswerSpool spool) {
        byte[] piece = new byte[BUFFER];
        try {
            for (int n = read(in, piece); n >= 0; n = read(in, piece)) {
                if (!spool.put(piece, n)) {
                    return; // the client is gone
                }
            }
            spool.end();
        } catch (UpstreamFailure failure) {
            if (spool.fail(new CloseConnectionException("legacy body cut", failure))) {
                CUT_BODIES.log("legacy app failed in the middle of a body (" + failure.code() + ", " + failure.reason()
                        + "); the client's connection is cut");
            }
        } catch (IOException e) {
            if (spool.fail(new CloseConnectionException("legacy body not held", e))) {
                CUT_BODIES.log("an answer of the legacy app could not be held on disk (" + e + "); the client's "
                        + "connection is cut");
            }
        } catch (InterruptedException e) {
            spool.fail(new CloseConnectionException("legacy body cut", e));
        } catch (RuntimeException | Error e) {
            // whatever else ends this thread must not leave the client's side waiting for ever
            spool.fail(new CloseConnectionException("legacy body not taken", e));
            throw e;
        }
    }

    private static int read(InputStream in, byte[] piece) {
        try {
            return in.read(piece);
        } catch (IOException | RuntimeException e) {
            throw UpstreamFailure.of(e);
        }
    }

    private static void write(OutputStream out, byte[] buffer, int n) {
        try {
            out.write(buffer, 0, n);
            // each piece goes out as it came in: a progress page or a slow export is seen as it grows
            out.flush();
        } catch (IOException | RuntimeException e) {
            throw new ClientGone(e);
        }
    }

    /** What comes next of the answer, or -1 at its end; a failure of the legacy app cuts the client. */
    private static int next(AnswerSpool spool, byte[] buffer) {
        try {
            return spool.take(buffer);
        } catch (IOException e) {
            throw new CloseConnectionException("legacy body not held", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CloseConnectionException("interrupted", e);
        }
    }
}
