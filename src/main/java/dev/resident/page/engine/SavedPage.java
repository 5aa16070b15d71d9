package dev.resident.page.engine;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.resident.page.PageType;

import java.util.Set;

/**
 * What a page leaves behind to be continued after a restart or on another process, taken between
 * calls so its parts agree.
 *
 * @param id           the page id when it was taken
 * @param path         the page type's path
 * @param params       the open params, encoded (JSON text: what a page keeps, written as it is)
 * @param connectionId the owning connection
 * @param epoch        the epoch of its message log
 * @param seq          the last seq it had given
 * @param data         a copy of its client data
 * @param tables       the tables it watches
 * @param state        the state its type declares ({@link PageType.Builder#keeps}), or null
 */
public record SavedPage(String id, String path, String params, String connectionId, String epoch, long seq,
                        ObjectNode data, Set<String> tables, JsonNode state) {
}
