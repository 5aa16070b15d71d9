package dev.resident.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * A program a test runs in the background ({@code haproxy}, {@code nginx}): a temporary directory
 * of its own for its files, its output in {@code output.log} there, started and stopped at will.
 */
final class Daemon implements AutoCloseable {
    private final Path dir;
    private String program;
    private Process process;

    Daemon(String name) {
        try {
            this.dir = Files.createTempDirectory(name + "-test");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Where its files go. */
    Path dir() {
        return dir;
    }

    /** Starts {@code command} with {@code env} added to this JVM's environment. */
    void start(List<String> command, Map<String, String> env) {
        program = command.get(0);
        ProcessBuilder builder = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("output.log").toFile()));
        builder.environment().putAll(env);
        try {
            process = builder.start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Whether it runs; fails the test with its output when it has exited. */
    boolean running() {
        if (!process.isAlive()) {
            throw new IllegalStateException(program + " exited: " + output());
        }
        return true;
    }

    /** Its output so far. */
    String output() {
        try {
            return Files.readString(dir.resolve("output.log"));
        } catch (IOException e) {
            return "no output: " + e;
        }
    }

    /** Stops it (SIGTERM) and waits until it has exited. */
    void stop() {
        if (process == null) {
            return;
        }
        Processes.stop(process);
    }

    /** Stops it and deletes its directory. */
    @Override
    public void close() {
        stop();
        Processes.deleteTree(dir);
    }
}
