package dev.resident.bus.nats;

import dev.resident.bus.Bus;
import dev.resident.bus.BusListener;
import dev.resident.metrics.ResidentMeters;
import io.nats.client.Nats;
import io.nats.client.Options;

import java.lang.System.Logger.Level;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/** Creates the NATS bus of one process. */
public final class NatsBuses {
    private static final System.Logger LOGGER = System.getLogger(NatsBuses.class.getName());

    private NatsBuses() {
    }

    /**
     * A bus that connects in the background and keeps reconnecting for as long as it is open: the
     * server starts and serves its pages even while NATS is unreachable ({@link Bus#connected()}
     * is false meanwhile). The bus is also the process's {@link NatsLink}: its connection is the
     * process's one, shared with the state store and the task engine, so it keeps NATS's echo (the
     * tasks' cancel requests reach this process's own workers) and the bus skips its own messages
     * by their origin when they come back.
     *
     * @param listener where deliveries to this process go
     * @param meters   counts malformed messages, reconnects, slow consumers and dropped messages
     */
    public static Bus connect(NatsSettings settings, BusListener listener, ResidentMeters meters) {
        // the client's socket reader, writer and dispatchers (a few, one each) run on platform
        // threads: a virtual one waits for a carrier behind every socket writer the last event
        // started, which put ~6 ms at the median into each cross-process hop (bench/README,
        // "Cross-process fanout over NATS, re-measured")
        ExecutorService executor = Executors.newCachedThreadPool(
                Thread.ofPlatform().daemon().name("resident-nats-", 0).factory());
        Subjects subjects = new Subjects(settings.prefix());
        Sender sender = new Sender(settings, executor, meters);
        Subscriptions subscriptions = new Subscriptions(subjects,
                new Inbound(settings.process(), subjects, listener, meters), settings);
        NatsBus bus = new NatsBus(settings, subjects, new Envelope(settings.process()), listener, sender,
                subscriptions, executor);
        Options options = options(settings, new ConnectionEvents(bus::attach, sender, meters, settings), executor);
        LOGGER.log(Level.INFO, "connecting to NATS: " + settings);
        try {
            Nats.connectAsynchronously(options, true);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while starting the NATS client", e);
        }
        return bus;
    }

    private static Options options(NatsSettings settings, ConnectionEvents events, ExecutorService executor) {
        Options.Builder options = new Options.Builder()
                .servers(settings.servers().toArray(String[]::new))
                .connectionName("resident-" + settings.process())
                .connectionTimeout(settings.connectTimeout())
                .maxReconnects(-1)
                .reconnectDelayHandler(new Backoff(settings.reconnectWait(), settings.reconnectMaxWait(),
                        settings.reconnectJitter()))
                .reconnectBufferSize(0) // the Sender buffers instead: it must hold messages through the grace
                .connectionListener(events)
                .errorListener(events)
                .executor(executor)
                .connectThreadFactory(Thread.ofVirtual().name("resident-nats-connect").factory())
                .callbackThreadFactory(Thread.ofVirtual().name("resident-nats-events").factory());
        if (!settings.credentials().isEmpty()) {
            options.authHandler(Nats.credentials(settings.credentials()));
        } else if (!settings.user().isEmpty()) {
            options.userInfo(settings.user().toCharArray(), settings.password().toCharArray());
        } else if (!settings.token().isEmpty()) {
            options.token(settings.token().toCharArray());
        }
        return options.build();
    }
}
