package dev.resident.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.util.RawValue;
import dev.resident.json.Json;
import dev.resident.page.engine.SavedPage;

import java.util.HashSet;
import java.util.Optional;
import java.util.Set;

/**
 * A page as kept in the {@code pages} bucket under its key ({@link StateKeys#page}):
 * {@code {"v":1,"id","path","params","connection","epoch","seq","data","tables","state","owner","released","tenure"}}.
 * {@code owner} is the process running it; {@code released} says that process let it go (a drain);
 * {@code tenure} is who held its connection when it was saved ({@link Connection#tenure()}).
 */
record PageRecord(SavedPage page, String owner, boolean released, String tenure) {
    static final int VERSION = 1;

    /** Whether {@code process} still runs this copy: its owner, not released, of the page's epoch {@code epoch}. */
    boolean runBy(String process, String epoch) {
        return owner.equals(process) && !released && page.epoch().equals(epoch);
    }

    byte[] encode() {
        ObjectNode node = Json.object()
                .put("v", VERSION)
                .put("id", page.id())
                .put("path", page.path())
                .put("connection", page.connectionId())
                .put("epoch", page.epoch())
                .put("seq", page.seq())
                .put("owner", owner)
                .put("released", released)
                .put("tenure", tenure);
        node.putRawValue("params", new RawValue(page.params())); // already JSON: not parsed to be written
        node.set("data", page.data());
        page.tables().forEach(node.putArray("tables")::add);
        if (page.state() != null) {
            node.set("state", page.state());
        }
        return Json.bytes(node);
    }

    /** The record, or empty when the bytes are not one this version can continue. */
    static Optional<PageRecord> decode(byte[] bytes) {
        try {
            JsonNode node = Json.parse(bytes);
            if (node.path("v").asInt() != VERSION || !node.path("id").isTextual() || !node.path("path").isTextual()
                    || !node.path("connection").isTextual() || !node.path("data").isObject()
                    || !node.path("seq").canConvertToLong()) {
                return Optional.empty();
            }
            Set<String> tables = new HashSet<>();
            node.path("tables").forEach(table -> tables.add(table.asText()));
            JsonNode state = node.get("state");
            JsonNode params = node.path("params");
            SavedPage page = new SavedPage(node.get("id").asText(), node.get("path").asText(),
                    params.isMissingNode() || params.isNull() ? "{}" : Json.write(params),
                    node.get("connection").asText(), node.path("epoch").asText(), node.get("seq").asLong(),
                    (ObjectNode) node.get("data"), Set.copyOf(tables), state);
            return Optional.of(new PageRecord(page, node.path("owner").asText(""), node.path("released").asBoolean(),
                    ConnectionRecord.boundedText(node.path("tenure"))));
        } catch (Json.MalformedJsonException e) {
            return Optional.empty();
        }
    }
}
