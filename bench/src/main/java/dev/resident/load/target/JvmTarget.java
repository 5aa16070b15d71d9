package dev.resident.load.target;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** A Java server started as its own process: Resident from its jar, the ceiling or the protocol floor. */
public final class JvmTarget implements Target {
    private static final long START_TIMEOUT_MILLIS = 60_000;
    private final String name;
    private final Path javaHome;
    private final List<String> jvmOptions;
    private final List<String> launch;
    private final Path logDir;
    private final String adminToken;

    private JvmTarget(String name, Path javaHome, List<String> jvmOptions, List<String> launch, Path logDir,
                      String adminToken) {
        this.name = name;
        this.javaHome = javaHome;
        this.jvmOptions = jvmOptions;
        this.launch = launch;
        this.logDir = logDir;
        this.adminToken = adminToken;
    }

    /** Resident from {@code jar} ({@code java -jar target/resident.jar}). */
    public static JvmTarget resident(Path javaHome, List<String> jvmOptions, Path jar, Path logDir, String adminToken) {
        return new JvmTarget("resident", javaHome, jvmOptions, List.of("-jar", jar.toString()), logDir, adminToken);
    }

    /** The trivial Helidon handler of this module. */
    public static JvmTarget ceiling(Path javaHome, List<String> jvmOptions, Path benchJar, Path logDir) {
        return new JvmTarget("ceiling", javaHome, jvmOptions,
                List.of("-cp", benchJar.toString(), "dev.resident.load.ceiling.CeilingServer"), logDir, "");
    }

    /** The protocol floor of this module: the ceiling doing only what the protocol asks of {@code inc}. */
    public static JvmTarget floor(Path javaHome, List<String> jvmOptions, Path benchJar, Path logDir) {
        return new JvmTarget("floor", javaHome, jvmOptions,
                List.of("-cp", benchJar.toString(), "dev.resident.load.floor.FloorServer"), logDir, "");
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public Running start(Map<String, String> residentEnv) throws IOException, InterruptedException {
        int port = Ports.freePair();
        List<String> command = new ArrayList<>();
        command.add(javaHome.resolve("bin/java").toString());
        command.addAll(jvmOptions);
        command.addAll(launch);
        Files.createDirectories(logDir);
        Path log = logDir.resolve(name + "-" + port + ".log");
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
        Map<String, String> env = builder.environment();
        env.put("PORT", String.valueOf(port));
        env.put("HOST", "127.0.0.1");
        env.put("ADMIN_TOKEN", adminToken);
        env.put("BENCH_PAGES", "true");
        env.put("SHUTDOWN_GRACE", "2s");
        // every load client comes from a few loopback addresses: the per-address caps would refuse them
        env.put("ADDRESS_LIMITS", "false");
        env.putAll(residentEnv);
        long started = System.nanoTime();
        Process process = builder.start();
        try {
            Ports.awaitListening(port, process, START_TIMEOUT_MILLIS);
        } catch (IOException e) {
            process.destroyForcibly();
            throw new IOException(name + " did not start (log: " + log + "): " + e.getMessage(), e);
        }
        Usage usage = new Usage(() -> List.of(process.pid()), javaHome.resolve("bin/jcmd"));
        URI base = URI.create("http://127.0.0.1:" + port);
        double startSeconds = Math.round((System.nanoTime() - started) / 1e7) / 100.0;
        return new Running(List.of(base), adminToken, usage, () -> {
            process.destroy();
            try {
                if (!process.waitFor(30, TimeUnit.SECONDS)) {
                    process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                process.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }, startSeconds);
    }
}
