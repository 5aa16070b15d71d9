package dev.resident.registry;

import dev.resident.page.ResidentPage;
import dev.resident.page.Store;

import java.util.Collection;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/** One browser session (cookie {@code rsd_cid}): its user, its pages and its store. */
public final class Connection {
    private final String id;
    private final Store store = new Store();
    private final Set<ResidentPage> pages = ConcurrentHashMap.newKeySet();
    private final long createdAt = System.currentTimeMillis();
    private volatile Identity identity;
    private volatile long lastSeen = createdAt;

    Connection(String id) {
        this.id = id;
        this.identity = Identity.guest(id);
    }

    public String id() {
        return id;
    }

    public String user() {
        return identity.user();
    }

    public Identity identity() {
        return identity;
    }

    void identity(Identity identity) {
        this.identity = identity;
    }

    public Store store() {
        return store;
    }

    public Collection<ResidentPage> pages() {
        return pages;
    }

    Set<ResidentPage> pageSet() {
        return pages;
    }

    public long createdAt() {
        return createdAt;
    }

    public long lastSeen() {
        return lastSeen;
    }

    void touch() {
        lastSeen = System.currentTimeMillis();
    }
}
