package dev.resident.web;

import com.fasterxml.jackson.databind.JsonNode;
import dev.resident.metrics.ResidentMeters;
import dev.resident.ops.Lifecycle;
import dev.resident.page.PageException;
import dev.resident.page.engine.Caller;
import dev.resident.page.engine.ResidentPage;
import dev.resident.state.StateUnavailable;

/** Runs one rpc for HTTP or the socket: counted as in flight for the drain, timed by method, watched for slowness. */
final class PageCalls {
    /**
     * The state store failed under the page's own code (a {@code Store} write): unlike
     * {@code unavailable}, which a client tries again, the call may have partly run.
     */
    static final String STORE_UNAVAILABLE = "store_unavailable";

    private PageCalls() {
    }

    /** The encoded result of {@code method} on {@code page}. */
    static String call(ResidentPage page, String method, JsonNode params, Caller caller, Lifecycle lifecycle,
                       ResidentMeters meters, SlowCalls slowCalls) throws Exception {
        if (!page.hasMethod(method)) {
            throw PageException.unknownMethod(method);
        }
        long start = System.nanoTime();
        lifecycle.enter();
        try (SlowCalls.Call watched = slowCalls.start(page.id(), method, start)) {
            return page.call(method, params, caller);
        } catch (StateUnavailable e) {
            throw new PageException(500, STORE_UNAVAILABLE,
                    "a Store write of the call failed (the state store was unreachable, or the value kept"
                            + " changing under other processes' writes): the call may have partly run");
        } finally {
            lifecycle.exit();
            meters.rpc(method, System.nanoTime() - start);
        }
    }
}
