package dev.resident.load.scenario;

import dev.resident.load.setup.Control;
import dev.resident.load.setup.OpenedPage;
import org.HdrHistogram.Histogram;

import java.time.Instant;
import java.util.concurrent.locks.LockSupport;

/**
 * Publishes dbevents at a fixed rate, one event per publish, each carrying its send time in
 * {@code record.ts} (epoch ms, as PROTOCOL.md says) and {@code record.ts_us} (epoch µs, for
 * sub-millisecond latencies). One publish at a time: when the server takes longer than the
 * interval, the achieved rate drops and says so.
 */
final class Publisher {
    private final Control control;
    private final String token;
    private final OpenedPage viaPage;
    private final String table;
    private long nextKey;

    /**
     * @param viaPage publish through this page's {@code dbevent} method, or null for {@code POST /_/dbevent}
     */
    Publisher(Control control, String token, OpenedPage viaPage, String table) {
        this.control = control;
        this.token = token;
        this.viaPage = viaPage;
        this.table = table;
    }

    /**
     * Publishes {@code rate × seconds} events, paced from now; a server too slow to take them all
     * within half as long again gets fewer.
     */
    Outcome publish(double rate, double seconds) throws InterruptedException {
        long events = Math.round(rate * seconds);
        Histogram calls = Recorder.newHistogram();
        long ok = 0;
        long failed = 0;
        String firstError = null;
        long start = System.nanoTime();
        long deadline = start + (long) (seconds * 1.5e9);
        for (long k = 0; k < events && System.nanoTime() < deadline; k++) {
            LockSupport.parkNanos(start + (long) (k * 1e9 / rate) - System.nanoTime());
            long sent = System.nanoTime();
            try {
                send(event());
                ok++;
            } catch (java.io.IOException e) {
                failed++;
                firstError = firstError == null ? String.valueOf(e) : firstError;
            }
            calls.recordValue(Math.max(1, (System.nanoTime() - sent) / 1_000));
        }
        return new Outcome(ok, failed, firstError, (System.nanoTime() - start) / 1e9, calls);
    }

    private String event() {
        Instant now = Instant.now();
        long micros = now.getEpochSecond() * 1_000_000 + now.getNano() / 1_000;
        return "[{\"action\":\"U\",\"pkey\":" + (++nextKey) + ",\"record\":{\"ts\":" + micros / 1_000
                + ",\"ts_us\":" + micros + "}}]";
    }

    private void send(String events) throws java.io.IOException, InterruptedException {
        if (viaPage == null) {
            control.publishDbEvent(token, "{\"table\":\"" + table + "\",\"events\":" + events + "}");
        } else {
            control.rpc(viaPage, "dbevent", "{\"table\":\"" + table + "\",\"events\":" + events + "}");
        }
    }

    /**
     * What one stretch of publishing achieved; {@code calls} are publish round trips in µs,
     * {@code firstError} the first failure or null.
     */
    record Outcome(long published, long failed, String firstError, double seconds, Histogram calls) {
        double rate() {
            return published / seconds;
        }
    }
}
