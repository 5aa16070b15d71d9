package dev.resident.load.scenario;

import dev.resident.load.net.EventLoop;

import java.util.concurrent.TimeUnit;

/**
 * One closed-loop client: sends a call, waits for its answer, records it, sends the next, until
 * the window is over. A lost connection is counted and reopened. Runs on its loop's thread.
 */
abstract class RpcDriver {
    private static final long RECONNECT_MILLIS = 100;
    protected final EventLoop loop;
    protected final Run run;
    private final Window window;
    private final Recorder recorder;
    private final Runnable onFinish;
    private long sentAt;
    private boolean finished;

    RpcDriver(Run run, EventLoop loop, Window window, Recorder recorder, Runnable onFinish) {
        this.run = run;
        this.loop = loop;
        this.window = window;
        this.recorder = recorder;
        this.onFinish = onFinish;
    }

    final void start() {
        loop.execute(this::connect);
    }

    /** Opens the connection; {@link #send()} follows once it is usable. */
    protected abstract void connect();

    /** Writes the next call on the open connection. */
    protected abstract void write();

    /** Closes the connection at the end. */
    protected abstract void disconnect();

    protected final void send() {
        sentAt = System.nanoTime();
        write();
    }

    /** The call came back: {@code error} null for success, else its kind. */
    protected final void answered(String error) {
        long now = System.nanoTime();
        if (window.counts(now)) {
            if (error == null) {
                recorder.ok((now - sentAt) / 1_000);
            } else {
                recorder.error(error);
            }
        }
        if (window.over(now)) {
            finish();
        } else {
            send();
        }
    }

    /** The connection broke; {@code kind} names why. */
    protected final void lost(String kind) {
        if (finished) {
            return;
        }
        long now = System.nanoTime();
        if (window.counts(now)) {
            recorder.error(kind);
        }
        if (window.over(now)) {
            finish();
        } else {
            run.timer().schedule(() -> loop.execute(this::connect), RECONNECT_MILLIS, TimeUnit.MILLISECONDS);
        }
    }

    protected final boolean finished() {
        return finished;
    }

    private void finish() {
        if (!finished) {
            finished = true;
            disconnect();
            onFinish.run();
        }
    }
}
