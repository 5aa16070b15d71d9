package dev.resident.web;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.resident.json.Json;
import dev.resident.ops.Lifecycle;
import dev.resident.page.PageException;
import dev.resident.page.engine.Outbox;
import dev.resident.registry.Registry;

/**
 * The admin view's reach into this process: its registries' state, its health, and the actions on
 * its pages. A site view answers other processes' admin requests with it.
 */
public final class LocalAdmin {
    private final Registry registry;
    private final Sockets sockets;
    private final Lifecycle lifecycle;
    private final String version;
    private final long startedAt = System.currentTimeMillis();

    /**
     * @param version the running build's version
     */
    public LocalAdmin(Registry registry, Sockets sockets, Lifecycle lifecycle, String version) {
        this.registry = registry;
        this.sockets = sockets;
        this.lifecycle = lifecycle;
        this.version = version;
    }

    /** Counts, users, connections and pages, as {@code GET /_/admin/state} showed them for one process. */
    public ObjectNode state(long now) {
        return AdminState.of(registry, sockets, now);
    }

    /** {@code {"ready","draining","bus","uptime_s","version"}}. */
    public ObjectNode health(long now) {
        boolean draining = lifecycle.drainingOrCordoned();
        boolean bus = registry.bus().connected();
        return Json.object()
                .put("ready", !draining && bus)
                .put("draining", draining)
                .put("bus", bus ? "connected" : "disconnected")
                .put("uptime_s", Math.max(0, (now - startedAt) / 1000))
                .put("version", version);
    }

    /** @throws PageException 404 {@code unknown_page} when this process has no such page */
    public void dropPage(String pageId) {
        registry.closePage(page(pageId), 4404, "dropped by an admin");
    }

    /** @throws ApiError 404 {@code no_socket} when the page has no open socket */
    public void dropSocket(String pageId) {
        var page = page(pageId);
        Outbox socket = page.outbox();
        if (socket == null) {
            throw new ApiError(404, "no_socket", "the page has no open socket");
        }
        page.detach(socket); // before the close frame: once the client sees it, a second drop answers no_socket
        socket.close(1001, "closed by an admin");
    }

    /**
     * Ready goes DOWN, so a proxy sends the process no new browsers; the browsers it has go on,
     * sockets and new pages included, until it is stopped, whose drain hands their pages to the
     * other processes. Closing their sockets here would gain nothing: their page ids route them
     * back to this process, which refused them, and they waited on "reconnecting" until its stop.
     */
    public void drain() {
        lifecycle.cordon();
    }

    private dev.resident.page.engine.ResidentPage page(String pageId) {
        return registry.anyPage(pageId).orElseThrow(PageException::unknownPage);
    }
}
