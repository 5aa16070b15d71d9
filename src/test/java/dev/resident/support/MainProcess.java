package dev.resident.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The real {@code Main} in a child JVM, configured by environment variables and an optional YAML
 * file ({@code RESIDENT_CONFIG}), so a test can kill it (-9) or stop it (SIGTERM) as an operator would.
 */
public final class MainProcess implements AutoCloseable {
    private static final Pattern LISTENING = Pattern.compile("Resident listening on http://\\S+:(\\d+)/");
    private final Process process;
    private final URI uri;
    private final Path log;

    private MainProcess(Process process, URI uri, Path log) {
        this.process = process;
        this.uri = uri;
        this.log = log;
    }

    /**
     * Starts {@code Main} on a free port of 127.0.0.1.
     *
     * @param env  environment variables (PROCESS_ID, IPC_BACKEND, STATE_DIR, ...)
     * @param yaml extra configuration, or null
     * @param dir  where its log (and config file) go
     */
    public static MainProcess start(Map<String, String> env, String yaml, Path dir) {
        try {
            Files.createDirectories(dir);
            String java = ProcessHandle.current().info().command().orElseThrow();
            ProcessBuilder builder = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                    "dev.resident.Main");
            builder.environment().put("HOST", "127.0.0.1");
            builder.environment().put("PORT", "0");
            builder.environment().putAll(env);
            if (yaml != null) {
                Path config = Files.createTempFile(dir, "resident-", ".yaml");
                Files.writeString(config, yaml);
                builder.environment().put("RESIDENT_CONFIG", config.toString());
            }
            Path log = dir.resolve("resident-" + env.getOrDefault("PROCESS_ID", "single") + ".log");
            Process process = Processes.start(builder, log, "Resident listening on", Duration.ofSeconds(60));
            Matcher port = LISTENING.matcher(Files.readString(log));
            String found = null;
            while (port.find()) {
                found = port.group(1); // the last start in this log
            }
            if (found == null) {
                throw new IllegalStateException("no port in " + log);
            }
            return new MainProcess(process, URI.create("http://127.0.0.1:" + found), log);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public URI uri() {
        return uri;
    }

    /** kill -9: nothing of the process runs after this. */
    public void kill() throws InterruptedException {
        process.destroyForcibly().waitFor();
    }

    /** SIGTERM, then waits for the drain to end; returns the exit code. */
    public int stop() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor();
            throw new IllegalStateException("the server did not stop after SIGTERM; see " + log);
        }
        return process.exitValue();
    }

    public Path log() {
        return log;
    }

    @Override
    public void close() {
        process.destroyForcibly();
        try {
            process.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
