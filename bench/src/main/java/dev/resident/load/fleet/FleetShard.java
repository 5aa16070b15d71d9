package dev.resident.load.fleet;

import dev.resident.load.net.EventLoop;
import dev.resident.load.net.WsLink;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/** The sockets of a fleet that live on one event loop, with their stats. */
final class FleetShard {
    private final EventLoop loop;
    private final FleetStats stats = new FleetStats();
    private final List<WsLink> links = new ArrayList<>();

    FleetShard(EventLoop loop) {
        this.loop = loop;
    }

    void open(FleetPage page, InetAddress source, Runnable settled) {
        String target = WsLink.pageTarget(page.pageId());
        InetSocketAddress remote = new InetSocketAddress(page.server().getHost(), page.server().getPort());
        loop.execute(() -> links.add(WsLink.open(loop, remote, source, target, "rsd_cid=" + page.cookie(),
                new FleetSocket(stats, settled))));
    }

    /** Adds this shard's stats into {@code total} on the loop thread. */
    CompletableFuture<Void> addTo(FleetStats total) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        loop.execute(() -> {
            total.add(stats);
            done.complete(null);
        });
        return done;
    }

    /** Forgets the deliveries counted so far; done once the shard's loop has done it. */
    CompletableFuture<Void> resetDeliveries() {
        CompletableFuture<Void> done = new CompletableFuture<>();
        loop.execute(() -> {
            stats.resetDeliveries();
            done.complete(null);
        });
        return done;
    }

    CompletableFuture<Void> closeAll() {
        CompletableFuture<Void> done = new CompletableFuture<>();
        loop.execute(() -> {
            for (WsLink link : links) {
                if (link.isOpen()) {
                    link.sendClose(1000);
                }
                link.close(null);
            }
            done.complete(null);
        });
        return done;
    }
}
