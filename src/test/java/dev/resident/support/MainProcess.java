package dev.resident.support;

import dev.resident.Main;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The real {@code Main} in a child JVM, configured by environment variables and an optional YAML
 * file ({@code RESIDENT_CONFIG}), so a test can kill it (-9) or stop it (SIGTERM) as an operator
 * would. Resident's own variables of the test's environment are not passed on.
 */
public final class MainProcess implements AutoCloseable {
    private static final Pattern LISTENING = Pattern.compile("Resident listening on http://\\S+:(\\d+)/");
    /**
     * The quick compiler only: a child lives seconds, most of them starting, where the optimising
     * compiler's threads cost more CPU than they give back (its start took about half as long on
     * the 2-core CI machine). What {@code Main} does is the same.
     */
    public static final String CHILD_JIT = "-XX:TieredStopAtLevel=1";
    private static final List<String> RESIDENT_ENV = List.of("ADMIN_TOKEN", "BENCH_PAGES", "DEMO", "RESIDENT_CONFIG",
            "IPC_BACKEND", "PORT", "HOST", "PROCESS_ID", "STATE_STORE", "STATE_DIR", "NATS_URL", "NATS_PREFIX",
            "OBSERVE_TOKEN");
    private final Process process;
    private final URI uri;
    private final Path log;
    /** A directory this class made and removes, or null when the test owns it. */
    private final Path ownDir;

    private MainProcess(Process process, URI uri, Path log, Path ownDir) {
        this.process = process;
        this.uri = uri;
        this.log = log;
        this.ownDir = ownDir;
    }

    /** Starts it on a free port of 127.0.0.1 with {@code env} and a directory of its own. */
    public static MainProcess start(Map<String, String> env) {
        try {
            Path dir = Files.createTempDirectory("resident-main");
            return start(env, null, dir, dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Starts {@code Main} on a free port of 127.0.0.1.
     *
     * @param env  environment variables (PROCESS_ID, IPC_BACKEND, STATE_DIR, ...)
     * @param yaml extra configuration, or null
     * @param dir  where its log (and config file) go
     */
    public static MainProcess start(Map<String, String> env, String yaml, Path dir) {
        return start(env, yaml, dir, null);
    }

    private static MainProcess start(Map<String, String> env, String yaml, Path dir, Path ownDir) {
        try {
            Files.createDirectories(dir);
            String java = ProcessHandle.current().info().command().orElseThrow();
            ProcessBuilder builder = new ProcessBuilder(java, CHILD_JIT, "-cp", System.getProperty("java.class.path"),
                    Main.class.getName());
            RESIDENT_ENV.forEach(builder.environment()::remove);
            builder.environment().put("HOST", "127.0.0.1");
            builder.environment().put("PORT", "0");
            builder.environment().put("OBSERVE_TOKEN", TestServers.OBSERVE_TOKEN);
            builder.environment().putAll(env);
            builder.environment().putIfAbsent("STATE_DIR", dir.resolve("state").toString()); // never the work tree
            if (yaml != null) {
                Path config = Files.createTempFile(dir, "resident-", ".yaml");
                Files.writeString(config, yaml);
                builder.environment().put("RESIDENT_CONFIG", config.toString());
            }
            Path log = Files.createTempFile(dir, "resident-" + env.getOrDefault("PROCESS_ID", "single") + "-", ".log");
            Process process = Processes.start(builder, log, "Resident listening on", Duration.ofSeconds(60));
            Matcher port = LISTENING.matcher(Files.readString(log));
            if (!port.find()) {
                throw new IllegalStateException("no port in " + log);
            }
            return new MainProcess(process, URI.create("http://127.0.0.1:" + port.group(1)), log, ownDir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public URI uri() {
        return uri;
    }

    /** Everything it printed so far (standard output and error). */
    public String output() {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** kill -9: nothing of the process runs after this. */
    public void kill() throws InterruptedException {
        process.destroyForcibly().waitFor();
    }

    /** SIGTERM, then waits for the drain to end; returns the exit code. */
    public int stop() throws InterruptedException {
        process.destroy();
        return awaitExit(Duration.ofSeconds(60));
    }

    /** SIGTERM: the drain starts; see {@link #awaitExit}. */
    public void terminate() {
        process.destroy();
    }

    /** SIGSTOP: the process stands still, its sockets open, as one in a long pause would. */
    public void pause() throws InterruptedException, IOException {
        signal("STOP");
    }

    /** SIGCONT after {@link #pause}. */
    public void resume() throws InterruptedException, IOException {
        signal("CONT");
    }

    private void signal(String name) throws InterruptedException, IOException {
        int exit = new ProcessBuilder("kill", "-" + name, Long.toString(process.pid())).start().waitFor();
        if (exit != 0) {
            throw new IllegalStateException("kill -" + name + " exited " + exit);
        }
    }

    /** Whether the process still runs. */
    public boolean alive() {
        return process.isAlive();
    }

    /** Waits for the process to exit, at most {@code patience} (then kills it and fails); its exit code. */
    public int awaitExit(Duration patience) throws InterruptedException {
        if (!process.waitFor(patience.toMillis(), TimeUnit.MILLISECONDS)) {
            process.destroyForcibly().waitFor();
            throw new IllegalStateException("the server did not stop after SIGTERM; see " + log);
        }
        return process.exitValue();
    }

    /** Stops it (SIGTERM, then SIGKILL after 10 s) if it still runs. */
    @Override
    public void close() {
        if (process.isAlive()) {
            Processes.stop(process);
        }
        if (ownDir != null) {
            Processes.deleteTree(ownDir);
        }
    }
}
