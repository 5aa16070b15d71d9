package dev.resident;

import dev.resident.support.MainProcess;
import dev.resident.support.RawHttp;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What the real {@code Main} does at start with a configuration or a command line it cannot use:
 * it exits non-zero with one line saying why (never 0, never a stack trace), rather than run
 * wrongly or not at all while a supervisor sees success.
 */
@Timeout(120)
class StartupChecksTest {
    /** Resident's variables of the test's own environment are not passed on. */
    private static final List<String> RESIDENT_ENV = new ArrayList<>(ResidentConfig.ENV_ALIASES.keySet());

    static {
        RESIDENT_ENV.add("RESIDENT_CONFIG");
    }

    /** What a child {@code Main} printed and its exit code ({@code -1}: it still ran after the patience, then was killed). */
    private record Exit(int code, String output) {
        void assertOneLineError(String expected) {
            assertTrue(output.contains(expected), "expected '" + expected + "' in:\n" + output);
            assertFalse(output.contains("Exception in thread"), output);
            assertFalse(output.contains("\tat "), "no stack trace:\n" + output);
            assertFalse(output.contains("Resident listening on"), output);
        }
    }

    private static Exit run(Map<String, String> env, String... args) throws IOException, InterruptedException {
        Path dir = Files.createTempDirectory("resident-startup");
        try {
            String java = ProcessHandle.current().info().command().orElseThrow();
            List<String> command = new ArrayList<>(List.of(java, MainProcess.CHILD_JIT, "-cp",
                    System.getProperty("java.class.path"), Main.class.getName()));
            command.addAll(List.of(args));
            ProcessBuilder builder = new ProcessBuilder(command);
            RESIDENT_ENV.forEach(builder.environment()::remove);
            builder.environment().put("HOST", "127.0.0.1");
            builder.environment().put("PORT", "0");
            builder.environment().put("STATE_DIR", dir.resolve("state").toString());
            builder.environment().putAll(env);
            Path log = dir.resolve("output.log");
            Process process = builder.redirectErrorStream(true).redirectOutput(log.toFile()).start();
            int code;
            if (process.waitFor(30, TimeUnit.SECONDS)) {
                code = process.exitValue();
            } else {
                process.destroyForcibly().waitFor();
                code = -1;
            }
            return new Exit(code, Files.readString(log));
        } finally {
            try (var paths = Files.walk(dir)) {
                for (Path path : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(path);
                }
            }
        }
    }

    @Test
    void aPortInUseExitsNonZeroWithOneLine() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"))) {
            Exit exit = run(Map.of("PORT", Integer.toString(taken.getLocalPort())));
            assertEquals(1, exit.code(), exit.output());
            // Helidon logs the BindException with its trace; then one line of ours, and no "listening on :-1"
            assertTrue(exit.output().contains("resident: the server did not start on 127.0.0.1:" + taken.getLocalPort()),
                    exit.output());
            assertFalse(exit.output().contains("Resident listening on"), exit.output());
        }
    }

    /** Two processes on one embedded store: the second waits for the directory a while, then says why it stops. */
    @Test
    void aStateDirectoryHeldByAnotherProcessExitsNonZeroWithOneLine(@TempDir Path state) throws Exception {
        try (java.nio.channels.FileChannel channel = java.nio.channels.FileChannel.open(state.resolve("state.lock"),
                java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.WRITE);
             java.nio.channels.FileLock held = channel.lock()) {
            Exit exit = run(Map.of("STATE_DIR", state.toString()));
            assertEquals(1, exit.code(), exit.output());
            exit.assertOneLineError("resident: the state directory " + state.toAbsolutePath() + " is locked by another process");
        }
    }

    /** A value that cannot be meant: exit 2, one line naming the key, its env var and the value. */
    @ParameterizedTest
    @CsvSource(delimiter = ';', quoteCharacter = '\'', value = {
            "SNAPSHOT_INTERVAL ; 0s    ; resident.state.snapshot-interval (SNAPSHOT_INTERVAL): \"0s\" must be more than 0",
            "SNAPSHOT_INTERVAL ; -1s   ; resident.state.snapshot-interval (SNAPSHOT_INTERVAL): \"-1s\" is negative",
            "HEARTBEAT         ; 0s    ; resident.ws.heartbeat (HEARTBEAT): \"0s\" must be more than 0",
            "HEARTBEAT         ; -5s   ; resident.ws.heartbeat (HEARTBEAT): \"-5s\" is negative",
            "HEADER_TIMEOUT    ; 0s    ; resident.limits.header-timeout (HEADER_TIMEOUT): \"0s\" must be more than 0",
            "SESSION_MAX_AGE   ; 0s    ; resident.connections.max-age (SESSION_MAX_AGE): \"0s\" must be more than 0",
            "SOCKET_QUEUE      ; 0     ; resident.ws.queue (SOCKET_QUEUE): \"0\" must be 1 or more",
            "MAX_BODY          ; -5    ; resident.limits.max-body (MAX_BODY): \"-5\" must be 1 or more",
            "MAX_SOCKETS       ; abc   ; resident.limits.max-sockets (MAX_SOCKETS): \"abc\" must be a whole number",
            "STATE_FSYNC       ; ture  ; resident.state.fsync (STATE_FSYNC): \"ture\" must be true or false",
            "PROCESS_ID        ; p.01  ; resident.process (PROCESS_ID): \"p.01\" must be p followed by 2 to 16 digits",
            "PROCESS_ID        ; p|1   ; resident.process (PROCESS_ID): \"p|1\" must be p followed by 2 to 16 digits",
            "HEARTBEAT         ; abc   ; resident.ws.heartbeat (HEARTBEAT): \"abc\" is not a duration: a whole number with s, ms",
            "HEARTBEAT         ; 1.5s  ; resident.ws.heartbeat (HEARTBEAT): \"1.5s\" is not a duration",
            "HSTS_MAX_AGE      ; 1y    ; resident.hsts-max-age (HSTS_MAX_AGE): \"1y\" is not a duration",
            "IPC_BACKEND       ; nast  ; ipc.backend (IPC_BACKEND): \"nast\" must be one of local, nats",
            "STATE_STORE       ; nats  ; resident.state.store (STATE_STORE): \"nats\" needs ipc.backend=nats (IPC_BACKEND=nats)",
            "LEGACY_UPSTREAM   ; ftp://127.0.0.1:21 ; legacy.upstream must be http://host:port",
            "ADMIN_HOST        ; admin.example.com:8443 ; resident.admin.host must be a host name without a port",
            "PORT              ; 70000 ; server.port (PORT): \"70000\" must be 0 (any free port) to 65535",
            "SOCKET_QUEUE      ; 3000000000 ; resident.ws.queue (SOCKET_QUEUE): \"3000000000\" must be 2147483647 at most",
            "MAX_JOB_STORE_BYTES ; 0 ; resident.tasks.max-store-bytes (MAX_JOB_STORE_BYTES): \"0\" must be 1 or more",
            "LOGIN_QUIET_PER_MINUTE ; -1 ; resident.login.quiet-addresses-per-minute (LOGIN_QUIET_PER_MINUTE): \"-1\" must be 0 or more",
            "ADDRESS_LIMITS    ; yes   ; resident.limits.per-address.enabled (ADDRESS_LIMITS): \"yes\" must be true or false",
            // keys of features that are off: no legacy app, no legacy session, no bridge page
            "AUTH_MODE         ; ldap  ; resident.auth.mode (AUTH_MODE): \"ldap\" must be one of config, legacy-session",
            "LEGACY_SESSION_OUTAGE_GRACE ; -1s ; legacy.session.outage-grace (LEGACY_SESSION_OUTAGE_GRACE): \"-1s\" is negative",
            "LEGACY_BRIDGE_TABLES ; orders table ; legacy.bridge.tables (LEGACY_BRIDGE_TABLES): \"orders table\" must be a table name",
    })
    void aBadValueStopsTheStartNamingItsKey(String env, String value, String message) throws Exception {
        Exit exit = run(Map.of(env, value));
        assertEquals(2, exit.code(), exit.output());
        exit.assertOneLineError("resident: " + message);
    }

    /** A key without a short environment name, of a feature that is off (no DBEVENTS_PG_URL), from RESIDENT_CONFIG's file. */
    @Test
    void aBadValueInTheConfigFileStopsTheStartNamingItsKey(@TempDir Path dir) throws Exception {
        Path yaml = dir.resolve("resident.yaml");
        Files.writeString(yaml, "dbevents:\n  pg:\n    check-interval: soon\n");
        Exit exit = run(Map.of("RESIDENT_CONFIG", yaml.toString()));
        assertEquals(2, exit.code(), exit.output());
        exit.assertOneLineError("resident: dbevents.pg.check-interval: \"soon\" is not a duration");
    }

    /** A schedule's zone or params that cannot be used: one line naming the schedule, not a stack trace. */
    @ParameterizedTest
    @CsvSource(delimiter = ';', quoteCharacter = '\'', value = {
            "zone: Mars/Olympus ; nightly: zone \"Mars/Olympus\" is no time zone",
            "params: '{not json' ; nightly: params is not JSON",
    })
    void aScheduleThatCannotBeUsedStopsTheStart(String line, String message, @TempDir Path dir) throws Exception {
        Path yaml = dir.resolve("resident.yaml");
        Files.writeString(yaml, "resident:\n  tasks:\n    schedule:\n      - name: nightly\n        task: report\n"
                + "        cron: \"0 0 3 * * ?\"\n        " + line + "\n");
        Exit exit = run(Map.of("RESIDENT_CONFIG", yaml.toString()));
        assertEquals(2, exit.code(), exit.output());
        exit.assertOneLineError("resident: resident.tasks.schedule: " + message);
    }

    /**
     * A lease too short for a process back from an outage of NATS to wait out another's reconnect
     * (README "One owner"): only where the pages are kept in NATS.
     */
    @Test
    void aLeaseShorterThanAReconnectStopsASiteOnNats(@TempDir Path dir) throws Exception {
        Path yaml = dir.resolve("resident.yaml");
        Files.writeString(yaml, "resident:\n  state:\n    lease: 3s\n");
        Exit exit = run(Map.of("RESIDENT_CONFIG", yaml.toString(), "IPC_BACKEND", "nats"));
        assertEquals(2, exit.code(), exit.output());
        exit.assertOneLineError("resident: resident.state.lease: \"3000ms\" must be more than 1.5 times"
                + " ipc.nats.reconnect.max-wait + jitter (2250ms)");
    }

    /**
     * Every key of {@code application.yaml} is read through a reader that states its rule: a value
     * no rule allows stops the start naming that key ({@code Settings.check}, which {@code Main}
     * runs first, reads every key, those of the features that are off included). In process, as
     * one child JVM a key would take minutes. A key with no rule of its own is listed here, so
     * that a new key read with no rule shows up.
     */
    @Test
    void everyKeyWithARuleIsCheckedAtStart() {
        Set<String> noRule = Set.of(
                // read by Helidon
                "server.host", "server.idle-connection-timeout", "server.connection-options.tcp-no-delay",
                "server.protocols.websocket.max-frame-length",
                // texts checked by the settings records that take them, when their feature is on
                "resident.admin-token", "resident.observe-token", "resident.state.dir", "resident.trusted-proxies",
                "resident.allowed-hosts", "resident.login.affinity-key", "resident.ws.allowed-origins",
                "resident.access-log.file", "resident.request-log.file", "resident.admin.host",
                "legacy.upstream", "legacy.paths", "legacy.spool.dir", "legacy.ws-paths", "legacy.ws-upstream",
                "legacy.session.cookie", "legacy.session.introspect", "ipc.nats.url", "ipc.nats.prefix",
                "dbevents.pg.url", "dbevents.pg.user", "dbevents.pg.password", "dbevents.pg.channel",
                "dbevents.pg.tables", "demo.db");
        List<String> keys = new ArrayList<>(List.of("resident.cpu-threads", "ipc.nats.reconnect.grace")); // no default
        ResidentConfig.withOverrides(Map.of()).traverse()
                .filter(node -> node.type() == io.helidon.config.Config.Type.VALUE)
                .map(node -> node.key().toString())
                .filter(key -> !key.startsWith("resident.demo-users.") && !noRule.contains(key))
                .forEach(keys::add);
        assertTrue(keys.size() > 100, keys.toString());
        List<String> unchecked = new ArrayList<>();
        for (String key : keys) {
            try {
                Settings.check(ResidentConfig.withOverrides(Map.of(key, "no such value!")));
                unchecked.add(key + " (accepted)");
            } catch (ConfigException e) {
                if (!e.key().equals(key)) {
                    unchecked.add(key + " (" + e.getMessage() + ")");
                }
            } catch (RuntimeException e) {
                unchecked.add(key + " (" + e + ")");
            }
        }
        assertEquals(List.of(), unchecked);
    }

    /** The documented zeros still start: HSTS off, guests never give way, no workers. */
    @Test
    void documentedZerosStillStart() throws Exception {
        try (MainProcess main = MainProcess.start(Map.of("HSTS_MAX_AGE", "0s", "GUESTS_GIVE_WAY_AFTER", "0s",
                "TASK_WORKERS", "0", "STATE_WRITE_RATE", "0", "PROCESS_ID", "p01"))) {
            assertTrue(main.alive());
        }
    }

    @Test
    void aMistypedModeIsRefusedWithUsage() throws Exception {
        Exit exit = run(Map.of(), "wroker");
        assertEquals(2, exit.code(), exit.output());
        exit.assertOneLineError("resident: unknown mode wroker");
        assertTrue(exit.output().contains("usage: java -jar resident.jar [worker | hash-password]"), exit.output());
    }

    @Test
    void theAdminHostIsAllowedWhateverAllowedHostsLists() {
        try (MainProcess main = MainProcess.start(Map.of("ADMIN_HOST", "admin.example.com",
                "ALLOWED_HOSTS", "www.example.com"))) {
            for (Map.Entry<String, Integer> host : Map.of("admin.example.com", 200, "www.example.com", 200,
                    "other.example.com", 421).entrySet()) {
                try (RawHttp client = new RawHttp(main.uri())) {
                    String request = "GET /observe/health/live HTTP/1.1\r\nHost: " + host.getKey() + "\r\n\r\n";
                    assertEquals((int) host.getValue(), client.send(request).answer(Duration.ofSeconds(5)).status(),
                            host.getKey());
                }
            }
        }
    }
}
