package dev.resident.support;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/** Stopping the programs tests start and removing the files they leave. */
final class Processes {
    private Processes() {
    }

    /**
     * Starts a server program, copies its output to {@code log}, and returns once a line of its
     * output contains {@code readyLine}; fails after {@code timeout} or when it exits first.
     */
    static Process start(ProcessBuilder builder, Path log, String readyLine, Duration timeout) {
        String name = builder.command().get(0);
        Process process;
        try {
            process = builder.redirectErrorStream(true).start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        CompletableFuture<Void> ready = new CompletableFuture<>();
        Thread.ofVirtual().name("test-server-log").start(() -> copyLog(process, log, readyLine, ready));
        try {
            ready.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            process.destroyForcibly();
            // the log may live in a directory the test removes: its end goes into the failure
            throw new IllegalStateException(name + " did not start; the end of " + log.toAbsolutePath() + ":\n"
                    + tail(log, 40), e);
        }
        return process;
    }

    /** The last {@code lines} lines of {@code log}, or why it cannot be read. */
    private static String tail(Path log, int lines) {
        try {
            List<String> all = Files.readAllLines(log);
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException e) {
            return "(unreadable: " + e + ")";
        }
    }

    /** SIGTERM, then SIGKILL after 10 s; returns once the process has exited. */
    static void stop(Process process) {
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Deletes a directory and everything in it. */
    static void deleteTree(Path dir) {
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void copyLog(Process process, Path log, String readyLine, CompletableFuture<Void> ready) {
        try (BufferedReader lines = process.inputReader();
             Writer out = Files.newBufferedWriter(log, StandardOpenOption.CREATE, StandardOpenOption.APPEND)) {
            for (String line = lines.readLine(); line != null; line = lines.readLine()) {
                out.write(line + "\n");
                out.flush(); // a test reads the log while the program runs
                if (line.contains(readyLine)) {
                    ready.complete(null);
                }
            }
        } catch (IOException e) {
            ready.completeExceptionally(e);
        }
        ready.completeExceptionally(new IllegalStateException(process.info().command().orElse("program") + " exited"));
    }
}
