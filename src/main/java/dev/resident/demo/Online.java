package dev.resident.demo;

import dev.resident.page.Page;
import dev.resident.page.PageDirectory;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/** Who is on the site right now, read from this process's pages for the demo's online panel. */
final class Online {
    private final PageDirectory directory;

    Online(PageDirectory directory) {
        this.directory = directory;
    }

    /** Users (and guests) with at least one open page, the pages, and the pages with a live socket. */
    Counts counts() {
        Set<String> users = new TreeSet<>();
        Set<String> guests = new HashSet<>();
        int pages = 0;
        int sockets = 0;
        for (Page page : directory.livePages()) {
            pages++;
            if (page.hasSocket()) {
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
