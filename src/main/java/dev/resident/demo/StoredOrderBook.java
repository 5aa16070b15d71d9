package dev.resident.demo;

import com.fasterxml.jackson.databind.JsonNode;
import dev.resident.json.Json;
import dev.resident.page.PageException;
import dev.resident.page.Store;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.UnaryOperator;

/**
 * The demo's default database: the orders table kept in the site's global store (so it survives a
 * restart with the embedded state store and is the same on every process of a site), seeded from
 * the embedded data set {@code demo/orders.json}. Each change is one atomic update of the table;
 * page code publishes it. Only the newest {@link #MAX_ORDERS} orders are kept, and only as many
 * as fit {@link #MAX_TABLE_BYTES}: the table is one value of a store bounded in bytes
 * ({@code resident.state.max-store-bytes}, 64 KiB), which 200 orders as long as allowed (and full
 * of characters JSON escapes) would not fit, and one user's orders would then stop every user's.
 */
final class StoredOrderBook implements OrderBook {
    static final String SEED = "demo/orders.json";
    static final String KEY = "demo.orders";
    static final int MAX_ORDERS = 200;
    /** Half the global store's default bound: the table's changes of status and qty stay within it too. */
    static final int MAX_TABLE_BYTES = 32 * 1024;
    private final Store store;

    private StoredOrderBook(Store store) {
        this.store = store;
    }

    /** The book in {@code store}; the embedded data set until its first change. */
    static StoredOrderBook in(Store store) {
        return new StoredOrderBook(store);
    }

    /** The embedded data set, changed by {@code seed} now. */
    static List<Order> seed() {
        try (InputStream in = StoredOrderBook.class.getClassLoader().getResourceAsStream(SEED)) {
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
        Table table = store.get(KEY, Table.class).orElseGet(Table::seeded);
        return table.orders().values().stream().sorted(Comparator.comparingLong(Order::id).reversed()).toList();
    }

    @Override
    public Order create(String customer, String item, int qty, String user) {
        Order[] created = new Order[1];
        update(table -> {
            long id = table.lastId() + 1;
            created[0] = new Order(id, customer, item, qty, "new", user, System.currentTimeMillis(), 1);
            TreeMap<Long, Order> orders = new TreeMap<>(table.orders());
            orders.put(id, created[0]);
            long bytes = 0;
            for (Order order : orders.values()) {
                bytes += encodedSize(order);
            }
            while (orders.size() > MAX_ORDERS || bytes > MAX_TABLE_BYTES) {
                bytes -= encodedSize(orders.pollFirstEntry().getValue());
            }
            return new Table(id, orders);
        });
        return created[0];
    }

    /** What one order takes in the stored table: its JSON and its key. */
    private static long encodedSize(Order order) {
        return Json.bytes(Json.toTree(order)).length + Long.toString(order.id()).length() + 4;
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

    private Order change(long id, UnaryOperator<Order> edit) {
        Order[] changed = new Order[1];
        update(table -> {
            Order order = table.orders().get(id);
            if (order == null) {
                throw PageException.unprocessable("no order " + id);
            }
            changed[0] = edit.apply(order);
            TreeMap<Long, Order> orders = new TreeMap<>(table.orders());
            orders.put(id, changed[0]);
            return new Table(table.lastId(), orders);
        });
        return changed[0];
    }

    /** One atomic change of the whole table (seeding it first when the store has none). */
    private void update(UnaryOperator<Table> edit) {
        store.compute(KEY, (key, old) -> Json.toTree(edit.apply(Optional.ofNullable(old)
                .map(value -> Json.convert(Json.toTree(value), Table.class))
                .orElseGet(Table::seeded))));
    }

    /**
     * The table as stored: the last id given and the orders by id.
     */
    record Table(long lastId, Map<Long, Order> orders) {
        static Table seeded() {
            TreeMap<Long, Order> orders = new TreeMap<>();
            seed().forEach(order -> orders.put(order.id(), order));
            return new Table(orders.isEmpty() ? 0 : orders.lastKey(), orders);
        }
    }
}
