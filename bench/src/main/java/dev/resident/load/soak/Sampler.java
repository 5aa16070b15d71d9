package dev.resident.load.soak;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * One minute's sample of the server: heap in use right after a full GC ({@code jcmd GC.run}, then
 * {@code GC.heap_info}), open file descriptors and threads from {@code /proc}, RSS, and lines of
 * the server's log that carry an exception.
 */
final class Sampler {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern HEAP_USED = Pattern.compile("used (\\d+)K");
    private final long pid;
    private final Path jcmd;
    private final Path serverLog;

    Sampler(long pid, Path jcmd, Path serverLog) {
        this.pid = pid;
        this.jcmd = jcmd;
        this.serverLog = serverLog;
    }

    ObjectNode sample() throws IOException, InterruptedException {
        run("GC.run");
        Matcher used = HEAP_USED.matcher(run("GC.heap_info"));
        ObjectNode sample = JSON.createObjectNode();
        sample.put("heap_kb", used.find() ? Long.parseLong(used.group(1)) : -1);
        try (Stream<Path> fds = Files.list(Path.of("/proc", String.valueOf(pid), "fd"))) {
            sample.put("fds", fds.count());
        }
        sample.put("threads", status("Threads:"));
        sample.put("rss_kb", status("VmRSS:"));
        sample.put("server_log_exceptions", logExceptions());
        return sample;
    }

    private long logExceptions() throws IOException {
        if (serverLog == null || !Files.exists(serverLog)) {
            return 0;
        }
        try (Stream<String> lines = Files.lines(serverLog, StandardCharsets.UTF_8)) {
            return lines.filter(line -> line.contains("Exception") || line.contains("SEVERE")
                    || line.contains("internal error")).count();
        }
    }

    private long status(String field) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc", String.valueOf(pid), "status"))) {
            if (line.startsWith(field)) {
                return Long.parseLong(line.substring(field.length()).trim().split("\\s+")[0]);
            }
        }
        return -1;
    }

    private String run(String command) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(jcmd.toString(), String.valueOf(pid), command)
                .redirectErrorStream(true).start();
        byte[] out = process.getInputStream().readAllBytes();
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly();
        }
        return new String(out, StandardCharsets.UTF_8);
    }
}
