package dev.resident.registry;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.resident.bus.Broadcast;
import dev.resident.bus.BusListener;
import dev.resident.bus.DbEvent;
import dev.resident.bus.UserNotice;
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
        if (event.origin() != null) {
            body.put("origin", event.origin());
        }
        String encoded = tail(body);
        long delivered = 0;
        for (ResidentPage page : registry.subscribers(event.table())) {
            page.deliverDbEvent(event, encoded);
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
