package dev.resident.demo;

import java.util.List;

/**
 * The demo's orders table: {@link StoredOrderBook} in the site's global store (the default) or
 * {@link PgOrderBook} in PostgreSQL ({@code DEMO_DB}). Safe for concurrent page calls.
 */
interface OrderBook {
    /** The statuses an order can have, in workflow order. */
    List<String> STATUSES = List.of("new", "paid", "shipped", "delivered", "cancelled");

    /** Every order, newest first. */
    List<Order> list();

    Order create(String customer, String item, int qty, String user);

    /**
     * Changes the status of an order.
     *
     * @throws dev.resident.page.PageException 422 for an unknown order or status
     */
    Order setStatus(long id, String status, String user);

    /**
     * Changes the quantity of an order.
     *
     * @throws dev.resident.page.PageException 422 for an unknown order
     */
    Order setQty(long id, int qty, String user);

    /**
     * Whether the store itself tells every board about each change (the database's dbevents
     * trigger), so page code must not publish it again.
     */
    boolean announcesChanges();
}
