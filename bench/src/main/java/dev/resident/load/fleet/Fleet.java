package dev.resident.load.fleet;

import com.fasterxml.jackson.databind.JsonNode;
import dev.resident.load.Json;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** The harness's handle on one fleet process. */
final class Fleet implements AutoCloseable {
    private final Process process;
    private final Writer commands;
    private final LinkedBlockingQueue<JsonNode> lines = new LinkedBlockingQueue<>();

    private Fleet(Process process) {
        this.process = process;
        this.commands = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
        Thread.ofVirtual().name("fleet-out").start(this::readLines);
    }

    /**
     * Starts a fleet for {@code pages}, opening {@code rate} sockets per second from {@code source}
     * (null: any loopback address); its pages file and log go to {@code workDir}.
     */
    static Fleet start(FleetLauncher launcher, List<FleetPage> pages, String source, double rate, int index)
            throws IOException {
        Path file = launcher.workDir().resolve("fleet-" + ProcessHandle.current().pid() + "-" + index + ".pages");
        Files.createDirectories(file.getParent());
        Files.write(file, pages.stream().map(FleetPage::line).toList());
        Process process = new ProcessBuilder(launcher.command(file, source == null ? "-" : source, rate))
                .redirectError(ProcessBuilder.Redirect.appendTo(launcher.workDir().resolve("fleets.log").toFile()))
                .start();
        return new Fleet(process);
    }

    long pid() {
        return process.pid();
    }

    /** Waits for the end of the ramp. */
    JsonNode awaitRamped(long timeoutSeconds) throws IOException, InterruptedException {
        return await("ramped", timeoutSeconds);
    }

    JsonNode report() throws IOException, InterruptedException {
        send("report");
        return await("report", 60);
    }

    void reset() throws IOException, InterruptedException {
        send("reset");
        await("reset", 60);
    }

    @Override
    public void close() {
        try {
            send("quit");
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (IOException e) {
            process.destroyForcibly();
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    private void send(String command) throws IOException {
        commands.write(command + "\n");
        commands.flush();
    }

    private JsonNode await(String type, long timeoutSeconds) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(timeoutSeconds);
        while (true) {
            JsonNode line = lines.poll(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            if (line == null) {
                throw new IOException("fleet gave no " + type + " within " + timeoutSeconds + " s"
                        + (process.isAlive() ? "" : " (exited with " + process.exitValue() + ")"));
            }
            if (line.path("type").asText().equals(type)) {
                return line;
            }
        }
    }

    private void readLines() {
        try (BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = out.readLine()) != null) {
                if (line.startsWith("{")) {
                    lines.add(Json.parse(line));
                }
            }
        } catch (IOException e) {
            // the fleet is gone; awaiting callers time out with its exit code
        }
    }
}
