package dev.resident.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.resident.json.Json;
import dev.resident.page.Page;
import dev.resident.page.PageException;
import dev.resident.page.PageType;
import dev.resident.page.Params;
import dev.resident.task.TaskContext;
import dev.resident.task.TaskType;
import dev.resident.task.TaskTypes;

import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The built-in {@code /_bench} page type of PROTOCOL.md, used by the bench harness and the
 * peers' smoke test. An open param {@code data} (any JSON, at most {@value #MAX_DATA_BYTES} bytes
 * written) is kept as the page data {@code data}; {@code tables} names at most {@value #MAX_TABLES}
 * tables of at most {@value #MAX_TABLE_NAME} characters. Its methods let any guest burn CPU,
 * publish dbevents and notify users, so it is off unless {@code resident.bench-pages} is true.
 */
public final class BenchPage {
    public static final String PATH = "/_bench";
    /** The most tables one page may watch. */
    public static final int MAX_TABLES = 16;
    /** The longest table name. */
    public static final int MAX_TABLE_NAME = 64;
    /** The largest {@code data}, as JSON text (the bench gives each page ~1 KB). */
    public static final int MAX_DATA_BYTES = 4096;
    /** The largest padding a bench job's result may ask for (the server's max-result still applies). */
    private static final int MAX_RESULT_BYTES = 1 << 20;
    /** The task type of the {@code job} method. */
    public static final String JOB_TASK = "_bench.job";
    private final Page page;
    private long count;

    private BenchPage(Page page, Params params) {
        this.page = page;
        page.data().set("count", 0);
        if (params.has("data")) {
            JsonNode data = params.value("data");
            if (Json.write(data).length() > MAX_DATA_BYTES) {
                throw PageException.unprocessable("data is larger than " + MAX_DATA_BYTES + " bytes");
            }
            page.data().set("data", data); // lets the bench give each page its share of memory
        }
        List<String> tables = params.strings("tables");
        if (tables.size() > MAX_TABLES) {
            throw PageException.unprocessable("at most " + MAX_TABLES + " tables");
        }
        for (String table : tables) {
            if (table.isEmpty() || table.length() > MAX_TABLE_NAME) {
                throw PageException.unprocessable("a table name has 1 to " + MAX_TABLE_NAME + " characters");
            }
        }
        tables.forEach(page::subscribe);
    }

    /** Continues a saved page: its data and tables are restored already; the count is its kept state. */
    private BenchPage(Page page, long count) {
        this.page = page;
        this.count = count;
    }

    public static PageType<BenchPage> type() {
        return PageType.builder(PATH, BenchPage::new)
                .keeps(Long.class, bench -> bench.count, (page, params, count) -> new BenchPage(page, count))
                .method("echo", BenchPage::echo)
                .method("inc", BenchPage::inc)
                .method("notify", BenchPage::notifyUser)
                .method("dbevent", BenchPage::dbevent)
                .method("work", BenchPage::work)
                .method("job", BenchPage::job)
                .build();
    }

    /** The task behind the {@code job} method: {@code steps} sleeps of {@code step_ms}, progress after each. */
    public static void registerTasks(TaskTypes types) {
        types.register(TaskType.builder(JOB_TASK, BenchPage::runJob).params(BenchPage::checkJob).build());
    }

    private Object job(Params params) {
        return Json.object().put("job_id", page.submit(JOB_TASK, params.node()));
    }

    private static void checkJob(Params params) {
        params.integer("steps", 1, 0, 10_000);
        params.integer("step_ms", 0, 0, 60_000);
        params.integer("result_bytes", 0, 0, MAX_RESULT_BYTES);
    }

    private static Object runJob(Params params, TaskContext context) throws InterruptedException {
        long steps = params.integer("steps", 1, 0, 10_000);
        long stepMs = params.integer("step_ms", 0, 0, 60_000);
        for (long step = 1; step <= steps && !context.isCancelled(); step++) {
            if (stepMs > 0) {
                Thread.sleep(stepMs);
            }
            context.progress(step, steps, null);
        }
        long padding = params.integer("result_bytes", 0, 0, MAX_RESULT_BYTES);
        ObjectNode result = Json.object().put("steps", steps);
        return padding == 0 ? result : result.put("padding", "x".repeat((int) padding)); // a large result, for the bench
    }

    private Object echo(Params params) {
        return params.node();
    }

    private Object inc(Params params) {
        count += params.integer("by", 1);
        page.data().set("count", count);
        return count;
    }

    private Object notifyUser(Params params) {
        String topic = params.string("topic");
        page.notifyUser(params.string("user", page.user()), topic, params.value("payload"));
        return true;
    }

    private Object dbevent(Params params) {
        String table = params.string("table");
        page.publishDbEvent(table, params.array("events"));
        return params.array("events").size();
    }

    private Object work(Params params) throws InterruptedException {
        long ioMs = params.integer("io_ms", 0, 0, 10_000);
        long cpuMs = params.integer("cpu_ms", 0, 0, 10_000);
        if (ioMs > 0) {
            Thread.sleep(ioMs); // stands for a blocking JDBC query: parks the virtual thread
        }
        long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(cpuMs);
        while (System.nanoTime() < end) {
            Thread.onSpinWait(); // burns CPU as page code computing would
        }
        return Json.object().put("ok", true);
    }
}
