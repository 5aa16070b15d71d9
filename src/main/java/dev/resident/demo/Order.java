package dev.resident.demo;

/**
 * One row of the demo's orders table, as sent to browsers in dbevents and lists.
 *
 * @param id       primary key
 * @param customer who ordered
 * @param item     what was ordered
 * @param qty      how many
 * @param status   one of {@link OrderBook#STATUSES}
 * @param by       user who made the last change
 * @param at       epoch millis of the last change
 * @param version  1 when created, +1 per change; lets a client keep the newest copy of a row
 */
record Order(long id, String customer, String item, int qty, String status, String by, long at,
                    long version) {

    Order withStatus(String newStatus, String user, long now) {
        return new Order(id, customer, item, qty, newStatus, user, now, version + 1);
    }

    Order withQty(int newQty, String user, long now) {
        return new Order(id, customer, item, newQty, status, user, now, version + 1);
    }
}
