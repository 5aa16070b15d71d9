package dev.resident.demo;

import com.fasterxml.jackson.databind.JsonNode;
import dev.resident.json.Json;
import dev.resident.page.PageException;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.UnaryOperator;

/**
 * The demo's database: an orders table held in memory by the server, seeded from the embedded
 * data set {@code demo/orders.json}. Safe for concurrent page calls; each change is atomic.
 */
final class OrderBook {
    /** The statuses an order can have, in workflow order. */
    static final List<String> STATUSES = List.of("new", "paid", "shipped", "delivered", "cancelled");
    private static final String SEED = "demo/orders.json";

    private final ConcurrentSkipListMap<Long, Order> orders = new ConcurrentSkipListMap<>();
    private final AtomicLong lastId = new AtomicLong();

    /** A book holding the embedded data set. */
    static OrderBook seeded() {
        OrderBook book = new OrderBook();
        try (InputStream in = OrderBook.class.getClassLoader().getResourceAsStream(SEED)) {
            if (in == null) {
                throw new IllegalStateException(SEED + " missing from the classpath");
            }
            long now = System.currentTimeMillis();
            for (JsonNode row : Json.parse(in.readAllBytes())) {
                long id = row.get("id").asLong();
                book.orders.put(id, new Order(id, row.get("customer").asText(), row.get("item").asText(),
                        row.get("qty").asInt(), row.get("status").asText(), "seed", now, 1));
                book.lastId.accumulateAndGet(id, Math::max);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return book;
    }

    /** Every order, newest first. */
    List<Order> list() {
        return new ArrayList<>(orders.descendingMap().values());
    }

    Order create(String customer, String item, int qty, String user) {
        long id = lastId.incrementAndGet();
        Order order = new Order(id, customer, item, qty, "new", user, System.currentTimeMillis(), 1);
        orders.put(id, order);
        return order;
    }

    /**
     * Changes the status of an order.
     *
     * @throws PageException 422 for an unknown order or status
     */
    Order setStatus(long id, String status, String user) {
        if (!STATUSES.contains(status)) {
            throw PageException.unprocessable("status must be one of " + STATUSES);
        }
        return change(id, order -> order.withStatus(status, user, System.currentTimeMillis()));
    }

    /**
     * Changes the quantity of an order.
     *
     * @throws PageException 422 for an unknown order
     */
    Order setQty(long id, int qty, String user) {
        return change(id, order -> order.withQty(qty, user, System.currentTimeMillis()));
    }

    private Order change(long id, UnaryOperator<Order> update) {
        Order changed = orders.computeIfPresent(id, (key, order) -> update.apply(order));
        if (changed == null) {
            throw PageException.unprocessable("no order " + id);
        }
        return changed;
    }
}
