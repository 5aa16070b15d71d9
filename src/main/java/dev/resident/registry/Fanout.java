package dev.resident.registry;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.resident.bus.Broadcast;
import dev.resident.bus.BusListener;
import dev.resident.bus.DbEvent;
import dev.resident.bus.UserNotice;
import dev.resident.id.Ids;
import dev.resident.json.Json;
import dev.resident.metrics.ResidentMeters;
import dev.resident.page.engine.ResidentPage;

/**
 * Delivers what the bus brings to this process's pages. Each event is encoded once; every
 * receiving page only prefixes its own {@code "t"} and {@code "seq"}.
 */
final class Fanout implements BusListener {
    private final Registry registry;
    private final ResidentMeters meters;

    Fanout(Registry registry, ResidentMeters meters) {
        this.registry = registry;
        this.meters = meters;
    }

    @Override
    public void onDbEvent(DbEvent event) {
        meters.dbeventsReceived.increment();
        ObjectNode body = Json.object().put("table", event.table());
        body.set("events", event.events());
        String origin = event.origin();
        // a page's id goes only to that page (it learns the change was its own); other users' pages
        // must not learn which pages exist. An external app's label (not an id) goes to every page.
        boolean fromAPage = origin != null && Ids.isWellFormed(StateKeys.page(origin));
        if (origin != null && !fromAPage) {
            body.put("origin", origin);
        }
        String encoded = tail(body);
        String toItsPage = fromAPage ? tail(body.put("origin", origin)) : encoded;
        long delivered = 0;
        for (ResidentPage page : registry.subscribers(event.table())) {
            page.deliverDbEvent(event, fromAPage && page.id().equals(origin) ? toItsPage : encoded);
            delivered++;
        }
        meters.dbeventsDelivered.increment(delivered);
    }

    @Override
    public void onNotify(UserNotice notice) {
        ObjectNode body = Json.object().put("topic", notice.topic());
        body.set("payload", notice.payload());
        if (notice.from() != null) {
            body.put("from", notice.from());
        }
        String encoded = tail(body);
        registry.sessions().user(notice.user()).ifPresent(user -> {
            for (Connection connection : user.connections()) {
                for (ResidentPage page : connection.pages()) {
                    page.push("notify", encoded);
                    meters.notificationsDelivered.increment();
                }
            }
        });
    }

    @Override
    public void onBroadcast(Broadcast broadcast) {
        ObjectNode body = Json.object().put("topic", broadcast.topic());
        body.set("payload", broadcast.payload());
        String encoded = tail(body);
        long delivered = 0;
        for (ResidentPage page : registry.pages()) {
            page.push("broadcast", encoded);
            delivered++;
        }
        meters.broadcastsDelivered.increment(delivered);
    }

    @Override
    public void onSessionReplaced(String sessionId) {
        registry.sessions().recheckSoon(sessionId);
    }

    /** The object's JSON without its opening brace, ready to follow {@code "seq":N,}. */
    private static String tail(ObjectNode body) {
        return Json.write(body).substring(1);
    }
}
