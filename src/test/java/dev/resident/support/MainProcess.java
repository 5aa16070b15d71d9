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
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code Main} in a child JVM, as an operator starts it, with only the environment a test gives
 * it (the Resident variables of the test's own environment are removed).
 */
public final class MainProcess implements AutoCloseable {
    private static final Pattern LISTENING = Pattern.compile("Resident listening on http://localhost:(\\d+)/");
    private static final List<String> RESIDENT_ENV = List.of("ADMIN_TOKEN", "BENCH_PAGES", "DEMO", "RESIDENT_CONFIG",
            "IPC_BACKEND", "PORT", "HOST", "PROCESS_ID");
    private final Path dir;
    private final Process process;
    private final URI uri;

    /** Starts it on a free port of 127.0.0.1 with {@code env}, and waits until it listens. */
    public MainProcess(Map<String, String> env) {
        try {
            dir = Files.createTempDirectory("resident-main");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        String java = ProcessHandle.current().info().command().orElseThrow();
        ProcessBuilder builder = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), Main.class.getName());
        RESIDENT_ENV.forEach(builder.environment()::remove);
        builder.environment().put("PORT", "0");
        builder.environment().put("HOST", "127.0.0.1");
        builder.environment().putAll(env);
        process = Processes.start(builder, dir.resolve("output.log"), "Resident listening on", Duration.ofSeconds(60));
        Matcher port = LISTENING.matcher(output());
        if (!port.find()) {
            throw new IllegalStateException("no port in " + output());
        }
        uri = URI.create("http://127.0.0.1:" + port.group(1));
    }

    public URI uri() {
        return uri;
    }

    /** Everything it printed so far (standard output and error). */
    public String output() {
        try {
            return Files.readString(dir.resolve("output.log"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        Processes.stop(process);
        Processes.deleteTree(dir);
    }
}
