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
 * The demo's default database: an orders table held in memory by the server, seeded from the
 * embedded data set {@code demo/orders.json}. Each change is atomic; page code publishes it.
 */
final class MemoryOrderBook implements OrderBook {
    static final String SEED = "demo/orders.json";

    private final ConcurrentSkipListMap<Long, Order> orders = new ConcurrentSkipListMap<>();
    private final AtomicLong lastId = new AtomicLong();

    /** A book holding the embedded data set. */
    static MemoryOrderBook seeded() {
        MemoryOrderBook book = new MemoryOrderBook();
        for (Order order : seed()) {
            book.orders.put(order.id(), order);
            book.lastId.accumulateAndGet(order.id(), Math::max);
        }
        return book;
    }

    /** The embedded data set, changed by {@code seed} now. */
    static List<Order> seed() {
        try (InputStream in = MemoryOrderBook.class.getClassLoader().getResourceAsStream(SEED)) {
            if (in == null) {
                throw new IllegalStateException(SEED + " missing from the classpath");
            }
            long now = System.currentTimeMillis();
            List<Order> orders = new ArrayList<>();
            for (JsonNode row : Json.parse(in.readAllBytes())) {
                orders.add(new Order(row.get("id").asLong(), row.get("customer").asText(), row.get("item").asText(),
                        row.get("qty").asInt(), row.get("status").asText(), "seed", now, 1));
            }
            return orders;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public List<Order> list() {
        return new ArrayList<>(orders.descendingMap().values());
    }

    @Override
    public Order create(String customer, String item, int qty, String user) {
        long id = lastId.incrementAndGet();
        Order order = new Order(id, customer, item, qty, "new", user, System.currentTimeMillis(), 1);
        orders.put(id, order);
        return order;
    }

    @Override
    public Order setStatus(long id, String status, String user) {
        if (!STATUSES.contains(status)) {
            throw PageException.unprocessable("status must be one of " + STATUSES);
        }
        return change(id, order -> order.withStatus(status, user, System.currentTimeMillis()));
    }

    @Override
    public Order setQty(long id, int qty, String user) {
        return change(id, order -> order.withQty(qty, user, System.currentTimeMillis()));
    }

    @Override
    public boolean announcesChanges() {
        return false;
    }

    private Order change(long id, UnaryOperator<Order> update) {
        Order changed = orders.computeIfPresent(id, (key, order) -> update.apply(order));
        if (changed == null) {
            throw PageException.unprocessable("no order " + id);
        }
        return changed;
    }
}
