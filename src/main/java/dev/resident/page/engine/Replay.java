package dev.resident.page.engine;

import java.util.List;

/**
 * The answer to "what happened after seq N": the messages with a greater seq, or a resync when
 * they are no longer all kept (or the client holds another epoch).
 *
 * @param resync   true when the client must reload the page's data
 * @param seq      the page's current seq
 * @param messages encoded messages, oldest first (empty on resync)
 */
public record Replay(boolean resync, long seq, List<String> messages) {
    /** The messages as the elements of a JSON array: comma-separated, empty when there are none. */
    public String joined() {
        return messages.isEmpty() ? "" : String.join(",", messages);
    }
}
