package dev.resident.load.target;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A comparison peer ({@code DIR/legacy}, {@code DIR/asgi}) run through its own {@code start} and
 * {@code stop} scripts, with its run directory (pid files, logs, sockets) under ours.
 */
public final class PeerTarget implements Target {
    private static final long SCRIPT_TIMEOUT_SECONDS = 600; // the first start may install Debian packages
    private final String name;
    private final Path dir;
    private final Path runRoot;
    private final String adminToken;

    public PeerTarget(Path peers, String name, Path runRoot, String adminToken) {
        this.name = name;
        this.dir = peers.resolve(name);
        this.runRoot = runRoot;
        this.adminToken = adminToken;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public Running start(Map<String, String> residentEnv) throws IOException, InterruptedException {
        int port = Ports.freePair();
        Path runDir = runRoot.resolve(name + "-" + port);
        Files.createDirectories(runDir);
        script("start", "--port", String.valueOf(port), "--run-dir", runDir.toString());
        Usage usage = new Usage(() -> pids(runDir), null);
        URI base = URI.create("http://127.0.0.1:" + port);
        return new Running(base, adminToken, usage, () -> {
            try {
                script("stop", "--run-dir", runDir.toString());
            } catch (IOException e) {
                System.err.println("stopping " + name + ": " + e.getMessage());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
    }

    private void script(String script, String... args) throws IOException, InterruptedException {
        List<String> command = Stream.concat(Stream.of(dir.resolve(script).toString()), Stream.of(args)).toList();
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().put("PEER_ADMIN_TOKEN", adminToken);
        Process process = builder.start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(SCRIPT_TIMEOUT_SECONDS, TimeUnit.SECONDS) || process.exitValue() != 0) {
            process.destroyForcibly();
            throw new IOException(name + "/" + script + " failed: " + output.strip());
        }
    }

    /** The pids the peer's start script recorded. */
    private static List<Long> pids(Path runDir) {
        try (Stream<Path> files = Files.list(runDir)) {
            return files.filter(file -> file.getFileName().toString().endsWith(".pid"))
                    .map(PeerTarget::readPid).filter(pid -> pid > 0).toList();
        } catch (IOException e) {
            return List.of();
        }
    }

    private static long readPid(Path file) {
        try {
            return Long.parseLong(Files.readString(file).trim());
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
    }
}
