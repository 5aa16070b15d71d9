package dev.resident.load.scenario;

import dev.resident.load.Options;
import dev.resident.load.net.Loops;
import dev.resident.load.target.Running;
import dev.resident.load.target.Usage;

import java.net.InetSocketAddress;
import java.util.List;
import java.util.function.Supplier;
import java.util.stream.Stream;
import java.util.concurrent.ScheduledExecutorService;

/**
 * What a case needs to drive one running server: the server, the client loops, a timer for
 * delayed work, and the run's options.
 */
public record Run(Running server, Loops loops, ScheduledExecutorService timer, Options options) {
    /** CPU of the load generator: this process, and {@code helpers} (socket fleets). */
    public Usage client(Supplier<List<Long>> helpers) {
        return Usage.ofProcesses(() -> Stream.concat(Stream.of(ProcessHandle.current().pid()),
                helpers.get().stream()).toList());
    }

    public InetSocketAddress address() {
        return new InetSocketAddress(server.base().getHost(), server.base().getPort());
    }
}
