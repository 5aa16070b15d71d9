package dev.resident.demo;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.resident.json.Json;
import dev.resident.page.Params;
import dev.resident.task.TaskContext;
import dev.resident.task.TaskType;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The demo's background task {@code orders.export}: the orders table as CSV, written in a few
 * steps with a pause after each (standing for slow queries) so the board's progress bar has
 * something to show. Its result: {@code {"rows","by_status":{...},"csv","truncated"}}: the CSV
 * stops at {@link #MAX_CSV_BYTES}, so that the orders any user wrote (long, full of quotes) cannot
 * make everyone's export fail for a result too large.
 */
final class OrdersExport {
    static final String NAME = "orders.export";
    /** Rows exported at most: the CSV travels in the result, which is bounded. */
    static final int MAX_ROWS = 2000;
    /**
     * The CSV's bytes at most, counted twice over (a quote or a line break takes two in the result's
     * JSON): within {@code resident.tasks.max-result}'s default (192 KiB) with room for the rest.
     */
    static final int MAX_CSV_BYTES = 90_000;
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
        int rows = 0;
        long bytes = 2L * csv.length();
        boolean truncated = false;
        for (int step = 1; step <= STEPS; step++) {
            if (context.isCancelled()) {
                return null;
            }
            for (Order order : orders.subList(Math.min(done, orders.size()), Math.min(done + perStep, orders.size()))) {
                String line = order.id() + "," + cell(order.customer()) + "," + cell(order.item()) + ","
                        + order.qty() + "," + order.status() + "," + cell(order.by()) + "\n";
                long lineBytes = 2L * line.getBytes(StandardCharsets.UTF_8).length;
                if (truncated || bytes + lineBytes > MAX_CSV_BYTES * 2L) {
                    truncated = true;
                    continue;
                }
                bytes += lineBytes;
                csv.append(line);
                rows++;
                byStatus.merge(order.status(), 1, Integer::sum);
            }
            done = Math.min(done + perStep, orders.size());
            context.progress(step, STEPS, done + " of " + orders.size() + " orders");
            if (stepMs > 0) {
                Thread.sleep(stepMs); // stands for the next slow query
            }
        }
        ObjectNode result = Json.object().put("rows", rows);
        result.set("by_status", Json.toTree(byStatus));
        return result.put("csv", csv.toString()).put("truncated", truncated);
    }

    /**
     * One text cell of the CSV: always quoted, so that no separator inside it (a {@code ;} where a
     * locale splits on it, a {@code |}, a tab) makes a new cell, and prefixed with {@code '} when
     * it, or a part a spreadsheet might split off, would start like a formula (user input must not
     * run in someone's Excel).
     */
    static String cell(String value) {
        String text = formulaLike(value) ? "'" + value : value;
        return "\"" + text.replace("\"", "\"\"") + "\"";
    }

    private static boolean formulaLike(String value) {
        for (int i = 0; i < value.length(); i++) {
            boolean starts = i == 0 || ",;|\t\r\n".indexOf(value.charAt(i - 1)) >= 0;
            if (starts && "=+-@\t\r".indexOf(value.charAt(i)) >= 0) {
                return true;
            }
        }
        return false;
    }
}
