package dev.resident.bus;

import com.fasterxml.jackson.databind.node.ArrayNode;

/**
 * Changes committed to one table: each event is {@code {"action":"I"|"U"|"D","pkey",...,"record"?}}.
 *
 * @param table  table name
 * @param events the changes, in commit order
 * @param origin the page that made the change, or null (an external app)
 */
public record DbEvent(String table, ArrayNode events, String origin) {
    /** @throws IllegalArgumentException when the table name is empty or too long ({@link BusNames}) */
    public DbEvent {
        BusNames.check("table", table);
    }
}
