package dev.resident.support;

import dev.resident.support.Browser.Reply;

import java.net.URI;
import java.net.http.HttpRequest;

/** Publishes dbevents through {@code POST /_/dbevent} with the test servers' admin token. */
public final class DbEvents {
    private DbEvents() {
    }

    /** One insert of {@code pkey} in {@code table}, its record a {@code blob} of {@code blob}. */
    public static Reply insert(URI server, String table, int pkey, String blob) {
        String body = "{\"table\":\"" + table + "\",\"events\":[{\"action\":\"I\",\"pkey\":" + pkey
                + ",\"record\":{\"blob\":\"" + blob + "\"}}]}";
        return new Browser(server).send(HttpRequest.newBuilder(server.resolve("/_/dbevent"))
                .header("Authorization", "Bearer " + TestServers.ADMIN_TOKEN)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)));
    }
}
