package dev.resident.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The real {@code dev.resident.Main} in a child JVM, as an operator starts it: environment
 * variables, an optional {@code RESIDENT_CONFIG} file, its output in a log file; stopped with
 * SIGTERM or killed with SIGKILL.
 */
public final class ResidentProcess implements AutoCloseable {
    private static final Pattern LISTENING = Pattern.compile("Resident listening on http://[^:]+:(\\d+)/");
    private final Path dir;
    private final Process process;
    private final URI uri;

    private ResidentProcess(Path dir, Process process, URI uri) {
        this.dir = dir;
        this.process = process;
        this.uri = uri;
    }

    /**
     * Starts Main on a free port of 127.0.0.1 with {@code env} and, when {@code yaml} is not
     * empty, that config file; returns once it listens.
     */
    public static ResidentProcess start(Map<String, String> env, String yaml, String... args) {
        try {
            Path dir = Files.createTempDirectory("resident-child");
            String java = ProcessHandle.current().info().command().orElseThrow();
            List<String> command = new ArrayList<>(List.of(java, "-Xmx256m", MainProcess.CHILD_JIT, "-cp",
                    System.getProperty("java.class.path"), "dev.resident.Main"));
            command.addAll(List.of(args));
            ProcessBuilder builder = new ProcessBuilder(command);
            builder.environment().put("PORT", "0");
            builder.environment().put("HOST", "127.0.0.1");
            if (!yaml.isEmpty()) {
                Path config = dir.resolve("resident.yaml");
                Files.writeString(config, yaml);
                builder.environment().put("RESIDENT_CONFIG", config.toString());
            }
            builder.environment().put("OBSERVE_TOKEN", TestServers.OBSERVE_TOKEN);
            builder.environment().putAll(env);
            Path log = dir.resolve("output.log");
            Process process = Processes.start(builder, log, "Resident listening on", Duration.ofSeconds(60));
            Matcher m = LISTENING.matcher(Files.readString(log));
            if (!m.find()) {
                throw new IllegalStateException("no port in " + log);
            }
            return new ResidentProcess(dir, process, URI.create("http://127.0.0.1:" + m.group(1)));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public URI uri() {
        return uri;
    }

    /** SIGKILL: the JVM dies at once, nothing of it runs any more. */
    public void kill() {
        process.destroyForcibly();
        try {
            process.waitFor();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** SIGTERM, as a deploy stops it: returns once it has exited (SIGKILL after 10 s). */
    public void stop() {
        Processes.stop(process);
    }

    public boolean alive() {
        return process.isAlive();
    }

    /** Its output so far. */
    public String output() {
        try {
            return Files.readString(dir.resolve("output.log"));
        } catch (IOException e) {
            return "no output: " + e;
        }
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            Processes.stop(process);
        }
        Processes.deleteTree(dir);
    }
}
