package dev.resident.bus;

/** The single-process bus: delivery is a direct call on the publisher's thread. */
final class LocalBus implements Bus {
    private final BusListener listener;

    LocalBus(BusListener listener) {
        this.listener = listener;
    }

    @Override
    public void publish(DbEvent event) {
        listener.onDbEvent(event);
    }

    @Override
    public void notifyUser(UserNotice notice) {
        listener.onNotify(notice);
    }

    @Override
    public void broadcast(Broadcast broadcast) {
        listener.onBroadcast(broadcast);
    }

    @Override
    public void sessionReplaced(String sessionId) {
        // one process: no other holds the session
    }

    @Override
    public void watchTable(String table) {
    }

    @Override
    public void unwatchTable(String table) {
    }

    @Override
    public boolean connected() {
        return true;
    }

    @Override
    public void close() {
    }
}
