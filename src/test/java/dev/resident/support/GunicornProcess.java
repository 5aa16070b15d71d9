package dev.resident.support;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * Debian's gunicorn serving the test's legacy WSGI app ({@code src/test/resources/legacy/app.py})
 * on a free port of 127.0.0.1, with {@link #stop()} and {@link #restart()} on the same port.
 * Its output goes to {@code target/gunicorn-<port>.log}.
 */
public final class GunicornProcess implements AutoCloseable {
    /** Where {@code deploy/prerequisites} installs it (Debian package {@code gunicorn}). */
    private static final Path GUNICORN = Path.of("/usr/bin/gunicorn");
    /** The threads of its one worker: requests it serves at once. */
    public static final int THREADS = 8;
    private static final Duration START_TIMEOUT = Duration.ofSeconds(15);
    private final int port = Machine.freePort();
    private final Map<String, String> env;
    private final Path log = Path.of("target", "gunicorn-" + port + ".log");
    private Process process;

    /** Starts the app with {@code env} added to its environment. */
    public GunicornProcess(Map<String, String> env) {
        if (!Files.isExecutable(GUNICORN)) {
            throw new IllegalStateException(GUNICORN + " not found: run deploy/prerequisites");
        }
        this.env = Map.copyOf(env);
        start();
    }

    /** {@code http://127.0.0.1:<port>}. */
    public String url() {
        return "http://127.0.0.1:" + port;
    }

    /** Stops gunicorn (SIGTERM, graceful) and waits until it has exited. */
    public void stop() {
        Processes.stop(process);
    }

    /** Starts gunicorn again on the same port. */
    public void restart() {
        start();
    }

    @Override
    public void close() {
        stop();
    }

    private void start() {
        ProcessBuilder builder = new ProcessBuilder(List.of(GUNICORN.toString(),
                "--bind", "127.0.0.1:" + port,
                // threads, so a sleeping request does not hold up the others
                "--worker-class", "gthread", "--workers", "1", "--threads", Integer.toString(THREADS),
                // a sleeping request must not hold up stop() for gunicorn's default 30 s
                "--graceful-timeout", "1",
                "--chdir", appDirectory().toString(),
                "app:app"));
        builder.environment().put("PYTHONDONTWRITEBYTECODE", "1");
        builder.environment().putAll(env);
        process = Processes.start(builder, log, "Booting worker", START_TIMEOUT);
    }

    private static Path appDirectory() {
        try {
            URI app = GunicornProcess.class.getResource("/legacy/app.py").toURI();
            return Path.of(app).getParent();
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }
}
