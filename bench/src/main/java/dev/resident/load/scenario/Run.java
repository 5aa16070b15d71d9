package dev.resident.load.scenario;

import dev.resident.load.Options;
import dev.resident.load.net.Loops;
import dev.resident.load.target.Running;

import java.net.InetSocketAddress;
import java.util.concurrent.ScheduledExecutorService;

/**
 * What a case needs to drive one running server: the server, the client loops, a timer for
 * delayed work, and the run's options.
 */
public record Run(Running server, Loops loops, ScheduledExecutorService timer, Options options) {
    public InetSocketAddress address() {
        return new InetSocketAddress(server.base().getHost(), server.base().getPort());
    }
}
