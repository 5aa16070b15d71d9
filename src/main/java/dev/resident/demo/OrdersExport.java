package dev.resident.demo;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.resident.json.Json;
import dev.resident.page.Params;
import dev.resident.task.TaskContext;
import dev.resident.task.TaskType;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The demo's background task {@code orders.export}: the orders table as CSV, written in a few
 * steps with a pause after each (standing for slow queries) so the board's progress bar has
 * something to show. Its result: {@code {"rows","by_status":{...},"csv"}}.
 */
final class OrdersExport {
    static final String NAME = "orders.export";
    /** Rows exported at most: the CSV travels in the result, which is bounded. */
    static final int MAX_ROWS = 2000;
    private static final int STEPS = 20;

    private OrdersExport() {
    }

    static TaskType type(OrderBook book) {
        return TaskType.builder(NAME, (params, context) -> run(book, params, context))
                .params(OrdersExport::check)
                .build();
    }

    private static void check(Params params) {
        params.integer("step_ms", 150, 0, 1000);
    }

    private static Object run(OrderBook book, Params params, TaskContext context) throws InterruptedException {
        long stepMs = params.integer("step_ms", 150, 0, 1000);
        List<Order> orders = book.list();
        orders = orders.subList(0, Math.min(orders.size(), MAX_ROWS));
        StringBuilder csv = new StringBuilder("id,customer,item,qty,status,last_change_by\n");
        Map<String, Integer> byStatus = new TreeMap<>();
        int perStep = Math.max(1, (orders.size() + STEPS - 1) / STEPS);
        int done = 0;
        for (int step = 1; step <= STEPS; step++) {
            if (context.isCancelled()) {
                return null;
            }
            for (Order order : orders.subList(Math.min(done, orders.size()), Math.min(done + perStep, orders.size()))) {
                csv.append(order.id()).append(',').append(cell(order.customer())).append(',')
                        .append(cell(order.item())).append(',').append(order.qty()).append(',')
                        .append(order.status()).append(',').append(cell(order.by())).append('\n');
                byStatus.merge(order.status(), 1, Integer::sum);
            }
            done = Math.min(done + perStep, orders.size());
            context.progress(step, STEPS, done + " of " + orders.size() + " orders");
            if (stepMs > 0) {
                Thread.sleep(stepMs); // stands for the next slow query
            }
        }
        ObjectNode result = Json.object().put("rows", orders.size());
        result.set("by_status", Json.toTree(byStatus));
        return result.put("csv", csv.toString());
    }

    /**
     * One CSV cell: quoted when it holds a separator or quote, and prefixed with {@code '} when a
     * spreadsheet would take it for a formula (user input must not run in someone's Excel).
     */
    static String cell(String value) {
        String text = !value.isEmpty() && "=+-@\t\r".indexOf(value.charAt(0)) >= 0 ? "'" + value : value;
        if (text.contains(",") || text.contains("\"") || text.contains("\n") || text.contains("\r")) {
            return "\"" + text.replace("\"", "\"\"") + "\"";
        }
        return text;
    }
}
