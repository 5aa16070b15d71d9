package dev.resident.support;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * A real WebSocket server standing for the legacy socket server: Debian's {@code python3-websockets}
 * running {@code src/test/resources/legacy/ws_echo.py} on a free port of 127.0.0.1. Its output goes
 * to {@code target/ws-echo-<port>.log}.
 */
public final class WsEchoProcess implements AutoCloseable {
    /** Debian's Python, where {@code deploy/prerequisites} installs {@code python3-websockets}. */
    private static final Path PYTHON = Path.of("/usr/bin/python3");
    private final int port = Machine.freePort();
    private final Process process;

    /** @param pingInterval how often the server pings every socket */
    public WsEchoProcess(Duration pingInterval) {
        if (!Files.isExecutable(PYTHON)) {
            throw new IllegalStateException(PYTHON + " not found: run deploy/prerequisites");
        }
        ProcessBuilder builder = new ProcessBuilder(List.of(PYTHON.toString(), script().toString(),
                Integer.toString(port), Double.toString(pingInterval.toMillis() / 1000.0)));
        builder.environment().put("PYTHONDONTWRITEBYTECODE", "1");
        process = Processes.start(builder, Path.of("target", "ws-echo-" + port + ".log"), "ready", Duration.ofSeconds(15));
    }

    /** {@code http://127.0.0.1:<port>}, as {@code legacy.upstream} takes it. */
    public String url() {
        return "http://127.0.0.1:" + port;
    }

    @Override
    public void close() {
        Processes.stop(process);
    }

    private static Path script() {
        try {
            URI script = WsEchoProcess.class.getResource("/legacy/ws_echo.py").toURI();
            return Path.of(script);
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }
}
