package dev.resident.registry;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/** A user known to this process: the connections acting as that user here. */
public final class UserEntry {
    private final String user;
    private final Set<Connection> connections = ConcurrentHashMap.newKeySet();

    UserEntry(String user) {
        this.user = user;
    }

    public String user() {
        return user;
    }

    public Set<Connection> connections() {
        return connections;
    }
}
