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

/**
 * Relays the legacy app's answer to the client piece by piece. Nothing reaches the client before
 * the first piece of the body has arrived, so a legacy app that fails until then is still answered
 * with a JSON error ({@link UpstreamFailure}); once the answer has begun, a failure can only cut
 * the connection, which tells the client the body is incomplete.
 */
final class ResponseBody {
    /** The largest piece read from the legacy app at once. */
    static final int BUFFER = 64 * 1024;
    private static final System.Logger LOGGER = System.getLogger(ResponseBody.class.getName());
    /** One line a minute, however many bodies a failing legacy app cuts. */
    private static final ThrottledLog CUT_BODIES = new ThrottledLog(LOGGER, System.Logger.Level.WARNING,
            Duration.ofMinutes(1));

    private ResponseBody() {
    }

    static void relay(Method method, HttpClientResponse from, ServerResponse to) {
        Status status = from.status();
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
        while (n >= 0) {
            write(out, buffer, n);
            n = readMore(in, buffer);
        }
        try {
            out.close();
        } catch (IOException | RuntimeException e) {
            throw new ClientGone(e);
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

    private static int readMore(InputStream in, byte[] buffer) {
        try {
            return in.read(buffer);
        } catch (IOException | RuntimeException e) {
            UpstreamFailure failure = UpstreamFailure.of(e);
            CUT_BODIES.log("legacy app failed in the middle of a body (" + failure.code() + ", " + failure.reason()
                    + "); the client's connection is cut");
            throw new CloseConnectionException("legacy body cut", e);
        }
    }
}
