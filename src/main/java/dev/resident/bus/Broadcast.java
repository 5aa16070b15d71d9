package dev.resident.bus;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * A system-wide message for every page.
 *
 * @param topic   what it is about
 * @param payload any JSON
 */
public record Broadcast(String topic, JsonNode payload) {
}
