package dev.resident.web;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.resident.id.Ids;
import dev.resident.json.Json;
import dev.resident.page.engine.Outbox;
import dev.resident.page.engine.ResidentPage;
import dev.resident.registry.Connection;
import dev.resident.registry.Registry;
import dev.resident.registry.UserEntry;

import java.util.Comparator;
import java.util.List;

/**
 * The live registries as the admin view shows them: counts, users, connections and pages with
 * their age, subscriptions and socket. Each list holds at most {@value #MAX_ROWS} rows (the newest
 * connections and pages); the counts are always complete.
 */
final class AdminState {
    static final int MAX_ROWS = 500;

    private AdminState() {
    }

    static ObjectNode of(Registry registry, Sockets sockets, long now) {
        List<ResidentPage> pages = registry.pages().stream()
                .sorted(Comparator.comparingLong(ResidentPage::createdAt).reversed()).toList();
        List<Connection> connections = registry.sessions().connections().stream()
                .sorted(Comparator.comparingLong(Connection::createdAt).reversed()).toList();
        List<UserEntry> users = registry.sessions().users().stream().sorted(Comparator.comparing(UserEntry::user)).toList();

        ObjectNode state = Json.object().put("now", now);
        state.putObject("counts")
                .put("users", users.size())
                .put("connections", connections.size())
                .put("pages", pages.size())
                .put("sockets", sockets.count());
        ArrayNode userRows = state.putArray("users");
        users.stream().limit(MAX_ROWS).forEach(user -> userRows.addObject()
                .put("user", maskGuest(user.user()))
                .put("connections", user.connections().size())
                .put("pages", user.connections().stream().mapToInt(c -> c.pages().size()).sum()));
        ArrayNode connectionRows = state.putArray("connections");
        connections.stream().limit(MAX_ROWS).forEach(connection -> connectionRows.addObject()
                .put("id", mask(connection.key())) // its internal key, as page rows show: never the cookie
                .put("user", maskGuest(connection.user()))
                .put("guest", connection.identity().guest())
                .put("age_s", seconds(now - connection.createdAt()))
                .put("idle_s", seconds(now - connection.lastSeen()))
                .put("pages", connection.pages().size()));
        ArrayNode pageRows = state.putArray("pages");
        pages.stream().limit(MAX_ROWS).forEach(page -> page(pageRows.addObject(), page, now));
        return state;
    }

    private static void page(ObjectNode row, ResidentPage page, long now) {
        row.put("page_id", page.id())
                .put("path", page.path())
                .put("user", maskGuest(page.user()))
                .put("connection", mask(page.connectionId()))
                .put("age_s", seconds(now - page.createdAt()))
                .put("idle_s", seconds(now - page.lastActive()))
                .put("epoch", page.epoch())
                .put("seq", page.seq())
                .put("pending", page.pendingCalls());
        ArrayNode tables = row.putArray("tables");
        page.tables().stream().sorted().forEach(tables::add);
        Outbox outbox = page.outbox();
        ObjectNode socket = row.putObject("socket");
        if (outbox instanceof SocketChannel channel) {
            socket.put("state", channel.isClosing() ? "closing" : "open").put("queued", channel.queued());
        } else {
            socket.put("state", "none").put("queued", 0);
        }
    }

    /**
     * A connection's internal key (not its id, the session cookie, of which no part is shown):
     * enough to tell connections apart and match them with their pages, never all of it.
     */
    private static String mask(String connectionId) {
        return connectionId.substring(0, 6) + "…";
    }

    /** A guest's user id holds its connection id: masked the same way. */
    static String maskGuest(String user) {
        return Ids.isGuestUser(user) ? Ids.guestUser(mask(user.substring(Ids.GUEST_PREFIX.length()))) : user;
    }

    private static long seconds(long millis) {
        return Math.max(0, millis / 1000);
    }
}
