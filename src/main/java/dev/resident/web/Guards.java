package dev.resident.web;

import dev.resident.metrics.ResidentMeters;
import dev.resident.ops.Timers;
import dev.resident.registry.Registry;

/**
 * What protects the front from one client taking more than its share: admission caps, the
 * bound on what the sockets' queues hold together, the slow-call watchdog, the connection watch (header timeout, connections per address), and the
 * client address they are keyed by.
 */
final class Guards implements AutoCloseable {
    final Admission admission;
    final SlowCalls slowCalls;
    final ClientAddress addresses;
    final ConnectionWatch connections;
    final QueuedChars queued;

    /** @param bodies the budget for bodies, which the frames of WebSockets count against too */
    Guards(AdmissionSettings settings, ClientAddress addresses, Bodies bodies, Registry registry, Sockets sockets,
           ResidentMeters meters, Timers timers) {
        this.admission = new Admission(settings, registry, sockets, meters);
        this.slowCalls = new SlowCalls(settings.slowCall(), meters, timers);
        this.addresses = addresses;
        this.connections = new ConnectionWatch(settings, addresses, bodies, meters, timers);
        this.queued = new QueuedChars(settings.maxQueuedChars(),
                settings.perAddress() ? settings.queuedCharsPerAddress() : 0);
        meters.gauge("resident.sockets.queued.chars", "characters the sockets' outbound queues hold now",
                queued::total);
    }

    @Override
    public void close() {
        slowCalls.close();
        connections.close();
    }
}
