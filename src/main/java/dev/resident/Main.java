package dev.resident;

import dev.resident.demo.DemoApp;
import dev.resident.ops.KernelTcpSettings;
import dev.resident.page.PageTypes;
import dev.resident.registry.PasswordHash;
import io.helidon.config.Config;
import io.helidon.logging.common.LogConfig;
import io.helidon.webserver.WebServer;
import sun.misc.Signal;

import java.util.function.IntConsumer;

/**
 * Starts Resident: {@code java -jar resident.jar}. Also {@code java -jar resident.jar hash-password}
 * prints a hash for the {@code resident.users} config of a password it asks for (or reads from its
 * standard input), and {@code java -jar resident.jar worker} starts a worker-only process
 * (background tasks, health and metrics, no pages).
 */
public final class Main {
    private static final String USAGE = "usage: java -jar resident.jar [worker | hash-password]";

    private Main() {
    }

    public static void main(String[] args) {
        if (args.length >= 1 && args[0].equals("hash-password")) {
            if (args.length > 1) {
                // kept for scripts; the command line is readable by every user of the machine (ps)
                System.err.println("warning: a password given on the command line is visible to other users (ps) and "
                        + "kept in the shell's history; run hash-password alone and type it, or pipe it in");
            }
            String password = args.length > 1 ? args[1] : PasswordPrompt.read();
            if (password == null || password.isEmpty()) {
                System.err.println("no password given");
                System.exit(2);
            }
            System.out.println(PasswordHash.create(password));
            return;
        }
        if (args.length > 1 || args.length == 1 && !args[0].equals("worker")) {
            System.err.println("resident: unknown mode " + String.join(" ", args) + "\n" + USAGE);
            System.exit(2);
        }
        boolean worker = args.length == 1;
        LogConfig.configureRuntime();
        Resident resident;
        Config config;
        PageTypes types = new PageTypes();
        try {
            config = ResidentConfig.load(System.getenv());
            Settings.check(config);
            resident = Resident.create(config, types);
        } catch (IllegalArgumentException | io.helidon.config.ConfigException e) {
            // a setting that cannot be used: one line naming it, no stack trace, and an exit code
            // that a supervisor (systemd Restart=on-failure) takes for a failure. Besides Settings'
            // ConfigExceptions, the settings records of each package refuse what they cannot use with
            // an IllegalArgumentException whose message starts with the key
            System.err.println("resident: " + e.getMessage());
            System.exit(2);
            return;
        } catch (dev.resident.state.StateUnavailable e) {
            // the embedded store's directory held by another process, or a file that cannot be opened
            System.err.println("resident: " + e.getMessage());
            System.exit(1);
            return;
        }
        if (Resident.demo(config)) {
            DemoApp.register(types, resident.registry(), resident.taskTypes(), config);
        }
        WebServer server = WebServer.builder()
                .config(Settings.server(config.get("server")))
                .shutdownHook(false) // our own drain must run before the server stops
                .update(worker ? resident::setupWorker : resident::setup)
                .build()
                .start();
        if (!server.isRunning() || server.port() < 0) {
            // Helidon logs why (a BindException: the port is in use) and returns a server that does
            // not listen; a process that does not serve must not exit 0
            System.err.println("resident: the server did not start on " + config.get("server.host").asString().orElse("")
                    + ":" + config.get("server.port").asString().orElse("") + " (PORT); see the error above");
            System.exit(1);
        }
        // the drain runs on a thread of its own that keeps the JVM alive: a signal's handler thread is
        // a daemon, and once the server has stopped nothing else would wait for the state to be written
        IntConsumer stop = code -> Thread.ofPlatform().daemon(false).name("resident-stop").start(() -> {
            resident.drainAndStop(server);
            System.exit(code);
        });
        // two processes under one PROCESS_ID would each run the other's pages: the later one stops
        resident.registry().whenProcessIdTaken(() -> stop.accept(1));
        Signal.handle(new Signal("TERM"), signal -> stop.accept(0));
        Signal.handle(new Signal("INT"), signal -> stop.accept(0));
        System.out.println("Resident listening on http://localhost:" + server.port() + "/"
                + (worker ? " (worker: tasks, /observe only)" : ""));
        KernelTcpSettings.warning(config.get("server.host").asString().get())
                .ifPresent(warning -> System.getLogger(Main.class.getName()).log(System.Logger.Level.WARNING, warning));
    }
}
