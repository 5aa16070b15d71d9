package dev.resident.legacy;

import dev.resident.ops.Lifecycle;
import dev.resident.ops.Timers;
import dev.resident.web.AdminHost;
import dev.resident.web.SocketAdmission;
import dev.resident.web.TrustedProxies;
import io.helidon.webserver.websocket.WsRouting;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The legacy app's WebSocket passed through: every upgrade on one of {@code legacy.ws-paths} becomes
 * a {@link SocketTunnel} to the legacy socket server. Keeps the open tunnels, so a drain closes
 * them with 1001 like the page sockets.
 */
public final class LegacySockets {
    private final LegacySocketSettings settings;
    private final Lifecycle lifecycle;
    private final SocketAdmission admission;
    private final TrustedProxies proxies;
    private final AdminHost adminHost;
    private final Set<SocketTunnel> open = ConcurrentHashMap.newKeySet();
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition allClosed = lock.newCondition();

    /**
     * @param residentPrefixes Resident's own path prefixes, never tunnelled
     * @param admission        the caps of the page sockets, which count the tunnels too
     * @param proxies          the balancers whose {@code X-Forwarded-For} is passed on to the app
     * @param adminHost        the admin powers' own host, where the legacy app is never served: no tunnel opens there
     * @param timers           where the tunnels' writes to the legacy side are watched for {@code legacy.timeout}
     * @throws IllegalArgumentException when a path lies inside Resident's own
     */
    public LegacySockets(LegacySocketSettings settings, List<String> residentPrefixes, Lifecycle lifecycle,
                         SocketAdmission admission, TrustedProxies proxies, AdminHost adminHost, Timers timers) {
        for (String path : settings.paths()) {
            for (String own : residentPrefixes) {
                if (path.equals(own) || path.startsWith(own + "/")) {
                    throw new IllegalArgumentException("legacy.ws-paths: " + path + " belongs to Resident itself");
                }
            }
        }
        this.settings = settings;
        this.lifecycle = lifecycle;
        this.admission = admission;
        this.proxies = proxies;
        this.adminHost = adminHost;
        // a quarter of the timeout, a second at most: a stuck write is cut within 1.25 of it
        Duration watch = Duration.ofMillis(Math.max(10, Math.min(1000, settings.sendTimeout().toMillis() / 4)));
        timers.every("legacy-socket-send-watch", watch, () -> {
            long now = System.nanoTime();
            open.forEach(tunnel -> tunnel.abortIfStuck(now));
        });
    }

    /** Registers one endpoint per legacy socket path. */
    public void routing(WsRouting.Builder routing) {
        for (String path : settings.paths()) {
            routing.endpoint(path, () -> new SocketTunnel(this));
        }
    }

    /** Open tunnels. */
    public int count() {
        return open.size();
    }

    /** Closes every tunnel with {@code code} on both sides (1001 on a drain: reconnect elsewhere). */
    public void closeAll(int code, String reason) {
        open.forEach(tunnel -> tunnel.close(code, reason));
    }

    /**
     * Waits until every tunnel has finished closing, at most {@code timeout} (a drain, so that
     * the close frames leave before the server stops).
     */
    public void awaitClosed(Duration timeout) throws InterruptedException {
        long nanos = timeout.toNanos();
        lock.lock();
        try {
            while (!open.isEmpty() && nanos > 0) {
                nanos = allClosed.awaitNanos(nanos);
            }
        } finally {
            lock.unlock();
        }
    }

    LegacySocketSettings settings() {
        return settings;
    }

    SocketAdmission admission() {
        return admission;
    }

    /** The admin powers' own host, where no tunnel opens. */
    AdminHost adminHost() {
        return adminHost;
    }

    TrustedProxies proxies() {
        return proxies;
    }

    boolean draining() {
        return lifecycle.draining();
    }

    void opened(SocketTunnel tunnel) {
        open.add(tunnel);
    }

    void closed(SocketTunnel tunnel) {
        open.remove(tunnel);
        lock.lock();
        try {
            allClosed.signalAll();
        } finally {
            lock.unlock();
        }
    }
}
