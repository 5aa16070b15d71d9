package dev.resident.bus;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * A notification for every page of one user.
 *
 * @param user    addressee
 * @param topic   what it is about
 * @param payload any JSON
 * @param from    sending user, or null
 */
public record UserNotice(String user, String topic, JsonNode payload, String from) {
    /** @throws IllegalArgumentException when the user name is empty or too long ({@link BusNames}) */
    public UserNotice {
        BusNames.check("user", user);
    }
}
