package dev.resident.registry;

import dev.resident.page.Store;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/** A user known to this process: the connections acting as that user, and the user's store. */
public final class UserEntry {
    private final String user;
    private final Store store = new Store();
    private final Set<Connection> connections = ConcurrentHashMap.newKeySet();

    UserEntry(String user) {
        this.user = user;
    }

    public String user() {
        return user;
    }

    public Store store() {
        return store;
    }

    public Set<Connection> connections() {
        return connections;
    }
}
