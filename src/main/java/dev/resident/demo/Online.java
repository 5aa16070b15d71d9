package dev.resident.demo;

import dev.resident.page.ResidentPage;
import dev.resident.registry.Registry;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/** Who is on the site right now, read from the registry for the demo's online panel. */
final class Online {
    private final Registry registry;

    Online(Registry registry) {
        this.registry = registry;
    }

    /** Users (and guests) with at least one open page, the pages, and the pages with a live socket. */
    Counts counts() {
        Set<String> users = new TreeSet<>();
        Set<String> guests = new HashSet<>();
        int pages = 0;
        int sockets = 0;
        for (ResidentPage page : registry.pages()) {
            pages++;
            if (page.outbox() != null) {
                sockets++;
            }
            String user = page.user();
            (page.isGuest() ? guests : users).add(user);
        }
        return new Counts(List.copyOf(users), guests.size(), pages, sockets);
    }

    /**
     * What the online panel shows.
     *
     * @param users   logged-in users with a page, sorted
     * @param guests  guest connections with a page
     * @param pages   resident pages in this process
     * @param sockets pages whose WebSocket is open
     */
    record Counts(List<String> users, int guests, int pages, int sockets) {
    }
}
