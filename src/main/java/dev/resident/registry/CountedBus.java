package dev.resident.registry;

import dev.resident.bus.Broadcast;
import dev.resident.bus.Bus;
import dev.resident.bus.DbEvent;
import dev.resident.bus.UserNotice;
import dev.resident.metrics.ResidentMeters;

/**
 * The bus as this process's publishers see it: counts each dbevent batch published here
 * ({@code resident_dbevents_published_total}) once, however many processes receive it.
 */
final class CountedBus implements Bus {
    private final Bus bus;
    private final ResidentMeters meters;

    CountedBus(Bus bus, ResidentMeters meters) {
        this.bus = bus;
        this.meters = meters;
    }

    @Override
    public void publish(DbEvent event) {
        meters.dbeventsPublished.increment();
        bus.publish(event);
    }

    @Override
    public void notifyUser(UserNotice notice) {
        bus.notifyUser(notice);
    }

    @Override
    public void broadcast(Broadcast broadcast) {
        bus.broadcast(broadcast);
    }

    @Override
    public void sessionReplaced(String sessionId) {
        bus.sessionReplaced(sessionId);
    }

    @Override
    public void watchTable(String table) {
        bus.watchTable(table);
    }

    @Override
    public void unwatchTable(String table) {
        bus.unwatchTable(table);
    }

    @Override
    public boolean connected() {
        return bus.connected();
    }

    @Override
    public void close() {
        bus.close();
    }
}
