package dev.resident.support;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.resident.json.Json;
import dev.resident.support.NatsSite.Node;

/** A browser tab on one server: its own session, a {@code /_bench} page and the page's open socket. */
public final class BenchTab {
    public final Browser browser;
    public final String pageId;
    public final SocketClient socket;

    private BenchTab(Browser browser, String pageId, SocketClient socket) {
        this.browser = browser;
        this.pageId = pageId;
        this.socket = socket;
    }

    /** Opens a bench page watching {@code tables} and its socket (past the hello frame). */
    public static BenchTab open(Node node, String... tables) {
        Browser browser = node.browser();
        String pageId = browser.benchPage(tables);
        SocketClient socket = browser.socket(pageId);
        socket.next("hello");
        return new BenchTab(browser, pageId, socket);
    }

    /** Publishes a one-event dbevent ({@code I}, {@code pkey}) from this page, as page code would after a commit. */
    public void publish(String table, int pkey) {
        ObjectNode params = Json.object().put("table", table);
        params.putArray("events").addObject().put("action", "I").put("pkey", pkey);
        Browser.Reply reply = browser.rpc(pageId, "dbevent", params, null);
        if (reply.status() != 200) {
            throw new AssertionError("dbevent: " + reply);
        }
    }

    /** Closes the page ({@code POST /_/close}). */
    public void close() {
        Browser.Reply reply = browser.post("/_/close", Json.object().put("page_id", pageId));
        if (reply.status() != 204) {
            throw new AssertionError("close: " + reply);
        }
    }
}
