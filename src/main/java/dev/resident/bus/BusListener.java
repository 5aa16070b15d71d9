package dev.resident.bus;

/** Receives what the bus delivers to this process. Implementations must not block for long. */
public interface BusListener {

    void onDbEvent(DbEvent event);

    void onNotify(UserNotice notice);

    void onBroadcast(Broadcast broadcast);

    /** Another process replaced session id {@code sessionId} (a login or logout). */
    void onSessionReplaced(String sessionId);
}
