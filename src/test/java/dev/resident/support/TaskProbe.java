package dev.resident.support;

import dev.resident.Resident;
import dev.resident.json.Json;
import dev.resident.page.DbEventHandler;
import dev.resident.page.Page;
import dev.resident.page.PageException;
import dev.resident.page.PageType;
import dev.resident.page.PageTypes;
import dev.resident.page.Params;
import dev.resident.task.TaskType;
import io.helidon.webserver.WebServerConfig;

import java.util.Map;

/**
 * Page and task types for task tests: the page {@code /_probe} submits any task type by name (and
 * a {@code probe.hold} at each dbevent of {@value #SUBMITTING_TABLE}, noting in its data
 * {@code on_dbevent} whether it was queued or the refusal's code), and
 * the tasks fail, hold until cancelled, report progress in a tight loop, or report the
 * {@code System.nanoTime()} of each progress call as its message (for latency measurements).
 */
public final class TaskProbe {
    public static final String PATH = "/_probe";
    public static final String SUBMITTING_TABLE = "probe_jobs";

    private TaskProbe() {
    }

    /** Sets up a @ServerTest server with the probe page and tasks; returns its Resident. */
    public static Resident setup(WebServerConfig.Builder server, Map<String, String> overrides) {
        PageTypes pages = new PageTypes();
        pages.register(PageType.builder(PATH, (Page page, Params params) -> page)
                .method("submit", (page, params) -> Json.object()
                        .put("job_id", page.submit(params.string("type"), params.value("params"))))
                .onDbEvent(SUBMITTING_TABLE, (page, event) -> {
                    String outcome;
                    try {
                        page.submit("probe.hold", null);
                        outcome = "queued";
                    } catch (PageException refused) {
                        outcome = refused.code();
                    }
                    page.data().set("on_dbevent", outcome, "a job at a dbevent");
                    return DbEventHandler.RawEvent.SUPPRESS;
                })
                .build());
        Resident resident = TestServers.resident(overrides, pages);
        resident.taskTypes()
                .register(TaskType.builder("probe.fail", (params, context) -> {
                    throw new IllegalStateException("secret stack detail");
                }).build())
                .register(TaskType.builder("probe.verbose", (params, context) -> {
                    throw PageException.unprocessable("no such thing: " + "x".repeat(100_000)); // the client's text
                }).build())
                .register(TaskType.builder("probe.hold", (params, context) -> {
                    long end = System.nanoTime() + 30_000_000_000L;
                    while (!context.isCancelled() && System.nanoTime() < end) {
                        context.progress(0, 1, "holding");
                        Thread.sleep(10);
                    }
                    return "released";
                }).build())
                .register(TaskType.builder("probe.chatty", (params, context) -> {
                    long calls = params.integer("calls", 1000, 1, 1_000_000);
                    for (long i = 1; i <= calls; i++) {
                        context.progress(i, calls, "step " + i);
                        if (i % 100 == 0) {
                            Thread.sleep(10);
                        }
                    }
                    return Json.object().put("calls", calls);
                }).build())
                .register(TaskType.builder("probe.large", (params, context) -> "x".repeat(300_000)).build())
                .register(TaskType.builder("probe.huge", (params, context) -> "x".repeat(5_000_000)).build())
                .register(TaskType.builder("probe.stamp", (params, context) -> {
                    long count = params.integer("count", 10, 1, 100_000);
                    long everyMs = params.integer("every_ms", 25, 1, 10_000);
                    for (long i = 1; i <= count; i++) {
                        context.progress(i, count, Long.toString(System.nanoTime())); // when it was reported
                        Thread.sleep(everyMs);
                    }
                    return null;
                }).build());
        server.update(resident::setup);
        return resident;
    }
}
