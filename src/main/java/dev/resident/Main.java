package dev.resident;

import dev.resident.demo.DemoApp;
import dev.resident.page.PageTypes;
import dev.resident.registry.PasswordHash;
import io.helidon.config.Config;
import io.helidon.logging.common.LogConfig;
import io.helidon.webserver.WebServer;
import sun.misc.Signal;

/**
 * Starts Resident: {@code java -jar resident.jar}. Also {@code java -jar resident.jar hash-password
 * <password>} prints a hash for the {@code resident.users} config, and {@code java -jar
 * resident.jar worker} starts a worker-only process (background tasks, health and metrics, no pages).
 */
public final class Main {
    private Main() {
    }

    public static void main(String[] args) {
        if (args.length == 2 && args[0].equals("hash-password")) {
            System.out.println(PasswordHash.create(args[1]));
            return;
        }
        boolean worker = args.length == 1 && args[0].equals("worker");
        LogConfig.configureRuntime();
        Config config = ResidentConfig.load(System.getenv());
        PageTypes types = new PageTypes();
        Resident resident = Resident.create(config, types);
        if (Resident.demo(config)) {
            DemoApp.register(types, resident.registry(), resident.taskTypes(), config);
        }
        WebServer server = WebServer.builder()
                .config(config.get("server"))
                .shutdownHook(false) // our own drain must run before the server stops
                .update(worker ? resident::setupWorker : resident::setup)
                .build()
                .start();
        // the drain runs on a thread of its own that keeps the JVM alive: a signal's handler thread is
        // a daemon, and once the server has stopped nothing else would wait for the state to be written
        Runnable stop = () -> Thread.ofPlatform().daemon(false).name("resident-stop").start(() -> {
            resident.drainAndStop(server);
            System.exit(0);
        });
        Signal.handle(new Signal("TERM"), signal -> stop.run());
        Signal.handle(new Signal("INT"), signal -> stop.run());
        System.out.println("Resident listening on http://localhost:" + server.port() + "/"
                + (worker ? " (worker: tasks, /observe only)" : ""));
    }
}
