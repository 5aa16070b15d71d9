package dev.resident.web;

import dev.resident.metrics.ResidentMeters;
import dev.resident.ops.Timers;
import dev.resident.registry.Registry;

/**
 * What protects the front from one client taking more than its share: admission caps, the
 * bound on what the sockets' queues hold together, the slow-call watchdog, the connection watch (header timeout, connections per address), and which
 * proxies may speak for the client.
 */
final class Guards implements AutoCloseable {
    final Admission admission;
    final SlowCalls slowCalls;
    final TrustedProxies proxies;
    final ConnectionWatch connections;
    final QueuedChars queued;

    /** @param bodies the budget for bodies, which the frames of WebSockets count against too */
    Guards(AdmissionSettings settings, TrustedProxies proxies, Bodies bodies, Registry registry, Sockets sockets,
           ResidentMeters meters, Timers timers) {
        this.admission = new Admission(settings, registry, sockets, meters);
        this.slowCalls = new SlowCalls(settings.slowCall(), meters, timers);
        this.proxies = proxies;
        this.connections = new ConnectionWatch(settings, proxies, bodies, meters, timers);
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
