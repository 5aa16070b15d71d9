package dev.resident.load.floor;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.helidon.common.buffers.BufferData;
import io.helidon.http.Headers;
import io.helidon.http.HttpPrologue;
import io.helidon.webserver.ConnectionContext;
import io.helidon.websocket.WsListener;
import io.helidon.websocket.WsSession;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Optional;

/**
 * The socket of one floor page: says hello, then runs every {@code rpc} frame on the page and
 * writes its data message and its result as two frames in one write, as Resident does.
 */
final class FloorSocket implements WsListener {
    private final Map<String, FloorPage> pages;
    private final ObjectMapper mapper;
    private FloorPage page;

    FloorSocket(Map<String, FloorPage> pages, ObjectMapper mapper) {
        this.pages = pages;
        this.mapper = mapper;
    }

    @Override
    public Optional<Headers> onHttpUpgrade(HttpPrologue prologue, Headers headers) {
        String query = prologue.query().rawValue();
        for (String pair : query.split("&")) {
            if (pair.startsWith("page_id=")) {
                page = pages.get(URLDecoder.decode(pair.substring(8), StandardCharsets.UTF_8));
            }
        }
        return Optional.empty();
    }

    @Override
    public void onOpen(WsSession session) {
        if (page == null) {
            session.close(4404, "unknown page");
            return;
        }
        session.send("{\"t\":\"hello\",\"page_id\":\"floor\",\"epoch\":\"e\",\"seq\":" + page.seq() + "}", true);
    }

    @Override
    public void onMessage(WsSession session, String text, boolean last) {
        JsonNode frame;
        try {
            frame = mapper.readTree(text);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (!"rpc".equals(frame.path("t").asText()) || !"inc".equals(frame.path("method").asText())) {
            return;
        }
        FloorPage.Call call = page.inc(frame.path("params").path("by").asLong(1));
        String result = "{\"t\":\"result\",\"id\":" + frame.get("id") + ",\"result\":" + call.result()
                + ",\"seq\":" + call.seq() + "}";
        ByteArrayOutputStream frames = new ByteArrayOutputStream(160);
        frame(frames, call.data());
        frame(frames, result);
        ((ConnectionContext) session.socketContext()).dataWriter().writeNow(BufferData.create(frames.toByteArray()));
    }

    /** An unmasked, final text frame (RFC 6455 §5.2). */
    private static void frame(ByteArrayOutputStream out, String text) {
        byte[] payload = text.getBytes(StandardCharsets.UTF_8);
        out.write(0x81);
        if (payload.length < 126) {
            out.write(payload.length);
        } else if (payload.length < 65536) {
            out.write(126);
            out.write(payload.length >>> 8);
            out.write(payload.length & 0xff);
        } else {
            throw new IllegalArgumentException("frame too long for the floor");
        }
        out.writeBytes(payload);
    }
}
