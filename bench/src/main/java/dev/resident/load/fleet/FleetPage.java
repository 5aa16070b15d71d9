package dev.resident.load.fleet;

import java.net.URI;

/** One line of a fleet's pages file: the page's server, its connection cookie and its id. */
public record FleetPage(URI server, String cookie, String pageId) {
    public String line() {
        return server + "\t" + cookie + "\t" + pageId;
    }

    static FleetPage parse(String line) {
        String[] fields = line.split("\t", 3);
        return new FleetPage(URI.create(fields[0]), fields[1], fields[2]);
    }
}
