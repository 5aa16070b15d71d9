package dev.resident.demo;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.resident.json.Json;
import dev.resident.page.Page;
import dev.resident.page.PageException;
import dev.resident.page.PageType;
import dev.resident.page.Params;

import java.util.Map;

/**
 * The demo's resident page: a live board of the {@code orders} table. Every change made through
 * it becomes a dbevent (published here for the in-memory book, sent by the database trigger for
 * PostgreSQL), so every board (other users' included) shows it at once; users can also send each
 * other notifications. Guests are refused: log in first.
 */
final class BoardPage {
    static final String PATH = "/board";
    static final String TABLE = "orders";
    private static final int MAX_TEXT = 80;
    private static final int MAX_NOTICE = 500;

    private final Page page;
    private final OrderBook book;
    private final Online online;
    private long changes;

    private BoardPage(Page page, OrderBook book, Online online) {
        if (page.isGuest()) {
            throw new PageException(401, "unauthorized", "log in to open the board");
        }
        this.page = page;
        this.book = book;
        this.online = online;
        page.data().set("user", page.user());
        page.data().set("statuses", OrderBook.STATUSES);
        page.data().set("changes", 0);
        page.subscribe(TABLE);
    }

    /** Continues a saved board (after a restart or on another process): data and tables are restored already. */
    private BoardPage(Page page, OrderBook book, Online online, long changes) {
        this.page = page;
        this.book = book;
        this.online = online;
        this.changes = changes;
    }

    static PageType<BoardPage> type(OrderBook book, Online online) {
        return PageType.builder(PATH, (Page page, Params params) -> new BoardPage(page, book, online))
                .authorize((page, method) -> !page.isGuest()) // a board left open after a logout refuses calls
                .keeps(Long.class, board -> board.changes,
                        (page, params, changes) -> new BoardPage(page, book, online, changes))
                .method("orders", (board, params) -> board.book.list())
                .method("create", BoardPage::create)
                .method("update", BoardPage::update)
                .method("notify", BoardPage::sendNotice)
                .method("online", (board, params) -> board.online.counts())
                .method("export", BoardPage::export)
                .method("follow", BoardPage::follow)
                .build();
    }

    private Order create(Params params) {
        String customer = text(params, "customer", MAX_TEXT);
        String item = text(params, "item", MAX_TEXT);
        int qty = (int) params.integer("qty", 1, 1, 9999);
        Order order = book.create(customer, item, qty, page.user());
        publish("I", order);
        return order;
    }

    private Order update(Params params) {
        long id = params.integer("id", 0, 1, Long.MAX_VALUE);
        if (!params.has("status") && !params.has("qty")) {
            throw PageException.unprocessable("give a status or a qty");
        }
        Order order = null;
        if (params.has("status")) {
            order = book.setStatus(id, params.string("status"), page.user());
        }
        if (params.has("qty")) {
            order = book.setQty(id, (int) params.integer("qty", 1, 1, 9999), page.user());
        }
        publish("U", order);
        return order;
    }

    private Object sendNotice(Params params) {
        String to = text(params, "to", MAX_TEXT);
        page.notifyUser(to, "message", Map.of("text", text(params, "text", MAX_NOTICE)));
        return true;
    }

    /** Starts the CSV export in the background; its progress and result arrive as {@code job} messages. */
    private Object export(Params params) {
        ObjectNode exportParams = Json.object().put("step_ms", params.integer("step_ms", 150, 0, 1000));
        return Json.object().put("job_id", page.submit(OrdersExport.NAME, exportParams));
    }

    /** Takes over the messages of a job this user started on an earlier page (before a reload). */
    private Object follow(Params params) {
        return page.followJob(params.string("job_id"));
    }

    /**
     * Tells every board about the change, as page code does after a commit, unless the book's
     * database does it, and counts it in this page's data.
     */
    private void publish(String action, Order order) {
        if (!book.announcesChanges()) {
            ArrayNode events = Json.array();
            events.addObject().put("action", action).put("pkey", order.id()).set("record", Json.toTree(order));
            page.publishDbEvent(TABLE, events);
        }
        changes++;
        page.data().set("changes", changes, action.equals("I") ? "order created" : "order updated");
    }

    /** A trimmed, non-blank string of at most {@code max} characters. */
    private static String text(Params params, String name, int max) {
        String value = params.string(name).strip();
        if (value.isEmpty() || value.length() > max) {
            throw PageException.unprocessable(name + " must have 1 to " + max + " characters");
        }
        if (value.chars().anyMatch(Character::isISOControl)) {
            // PostgreSQL stores no NUL, and no order needs a control character
            throw PageException.unprocessable(name + " must not hold control characters");
        }
        return value;
    }
}
