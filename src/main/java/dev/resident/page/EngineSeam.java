package dev.resident.page;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.lang.invoke.MethodHandles;
import java.util.Set;

/**
 * The one door from the page engine ({@code dev.resident.page.engine}) into what this package keeps
 * from page code: running a page type's hooks, and taking or putting back a page's data changes.
 * Page code cannot open it: {@link #open} answers only a lookup made inside the engine's package,
 * so the author's API stays what {@link Page}, {@link PageType.Builder} and {@link PageData} show.
 * This package never imports the engine; the engine imports this package.
 */
public final class EngineSeam {
    private static final String ENGINE_PACKAGE = "dev.resident.page.engine";
    private static final EngineSeam SEAM = new EngineSeam();

    private EngineSeam() {
    }

    /**
     * The seam, for the engine only.
     *
     * @param engine {@code MethodHandles.lookup()} of an engine class (a lookup cannot be forged)
     * @throws IllegalCallerException for any other caller
     */
    public static EngineSeam open(MethodHandles.Lookup engine) {
        if (!engine.hasFullPrivilegeAccess() || !engine.lookupClass().getPackageName().equals(ENGINE_PACKAGE)) {
            throw new IllegalCallerException(engine.lookupClass().getName() + " is not the page engine");
        }
        return SEAM;
    }

    /** Runs the type's open hook. */
    public <T> T open(PageType<T> type, Page page, Params params) throws Exception {
        return type.open(page, params);
    }

    /** Rebuilds the object from the state the type keeps, or opens it again when it keeps none. */
    public <T> T restore(PageType<T> type, Page page, Params params, JsonNode state) throws Exception {
        return type.restore(page, params, state);
    }

    /** The state the type keeps of {@code instance}, or null. */
    public <T> JsonNode save(PageType<T> type, T instance) {
        return type.save(instance);
    }

    /** The method called {@code name}, or null. */
    public <T> PageMethod<T> method(PageType<T> type, String name) {
        return type.method(name);
    }

    /** Runs the type's guard: 401 or 403 when the page's user may not call {@code method}. */
    public void authorize(PageType<?> type, Page page, String method) {
        type.authorize(page, method);
    }

    /** The handler of {@code table}'s dbevents, or null. */
    public <T> DbEventHandler<T> dbEventHandler(PageType<T> type, String table) {
        return type.dbEventHandler(table);
    }

    /** The tables every page of the type watches from its opening. */
    public Set<String> dbEventTables(PageType<?> type) {
        return type.dbEventTables();
    }

    /** The close handler, or null. */
    public <T> CloseHandler<T> closeHandler(PageType<T> type) {
        return type.closeHandler();
    }

    /**
     * Appends the data changes since the last call to {@code out}, as a JSON array, and clears
     * them; false, with nothing appended, when there are none.
     */
    public boolean takeChanges(PageData data, StringBuilder out) {
        return data.takeChanges(out);
    }

    /** Forgets the data changes since the last call. */
    public void dropChanges(PageData data) {
        data.dropChanges();
    }

    /** Puts back saved data, with no change to send. */
    public void restore(PageData data, ObjectNode saved) {
        data.restore(saved);
    }
}
