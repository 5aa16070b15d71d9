package dev.resident.page.engine;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * A page's client data as of {@code seq}: the client applies messages after {@code seq} on top.
 *
 * @param epoch the page's epoch
 * @param seq   the last message the data includes
 * @param data  a copy of the data tree
 */
public record Snapshot(String epoch, long seq, ObjectNode data) {
}
