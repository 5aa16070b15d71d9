package dev.resident.support;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Debian's gunicorn serving the test's legacy WSGI app ({@code src/test/resources/legacy/app.py})
 * on a free port of 127.0.0.1, with {@link #stop()} and {@link #restart()} on the same port.
 * Its output goes to {@code target/gunicorn-<port>.log}.
 */
public final class GunicornProcess implements AutoCloseable {
    /** Where {@code deploy/prerequisites} installs it (Debian package {@code gunicorn}). */
    private static final Path GUNICORN = Path.of("/usr/bin/gunicorn");
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
                "--worker-class", "gthread", "--workers", "1", "--threads", "8",
                // a sleeping request must not hold up stop() for gunicorn's default 30 s
                "--graceful-timeout", "1",
                "--chdir", appDirectory().toString(),
                "app:app"))
                .redirectErrorStream(true);
        builder.environment().put("PYTHONDONTWRITEBYTECODE", "1");
        builder.environment().putAll(env);
        CompletableFuture<Void> ready = new CompletableFuture<>();
        try {
            process = builder.start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Thread.ofVirtual().name("gunicorn-log").start(() -> copyLog(process, ready));
        try {
            ready.get(START_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            process.destroyForcibly();
            throw new IllegalStateException("gunicorn did not start; see " + log.toAbsolutePath(), e);
        }
    }

    /** Keeps gunicorn's output and completes {@code ready} once its worker has booted. */
    private void copyLog(Process gunicorn, CompletableFuture<Void> ready) {
        try (BufferedReader lines = gunicorn.inputReader();
             Writer out = Files.newBufferedWriter(log, StandardOpenOption.CREATE, StandardOpenOption.APPEND)) {
            for (String line = lines.readLine(); line != null; line = lines.readLine()) {
                out.write(line + "\n");
                if (line.contains("Booting worker")) {
                    out.flush();
                    ready.complete(null);
                }
            }
        } catch (IOException e) {
            ready.completeExceptionally(e);
        }
        ready.completeExceptionally(new IllegalStateException("gunicorn exited"));
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
