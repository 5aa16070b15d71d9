package dev.resident.page;

import com.fasterxml.jackson.databind.JsonNode;
import dev.resident.json.Json;

import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;
import java.util.Set;

/**
 * A kind of resident page, registered by path: how to open one and the methods it offers.
 *
 * <pre>{@code
 * PageType.builder("/counter", CounterPage::new)
 *         .method("inc", CounterPage::inc)
 *         .build();
 * }</pre>
 *
 * <p>What survives a restart or a move to another process: the page's data, tables, seq and open
 * params always; the type's own Java fields only as far as it declares them with
 * {@link Builder#keeps}. A type that declares nothing is continued by running its open hook again
 * with the original params, then putting back the saved data, so state held in {@link PageData}
 * needs no declaration.
 *
 * @param <T> the class of the live page object
 */
public final class PageType<T> {
    private final String path;
    private final PageFactory<T> factory;
    private final Map<String, PageMethod<T>> methods;
    private final Kept<T, ?> kept;
    private final PageGuard guard;
    private final Map<String, DbEventHandler<T>> dbEventHandlers;
    private final CloseHandler<T> closeHandler;

    private PageType(Builder<T> builder) {
        this.guard = builder.guard;
        this.path = builder.path;
        this.factory = builder.factory;
        this.methods = Map.copyOf(builder.methods);
        this.kept = builder.kept;
        this.dbEventHandlers = Map.copyOf(builder.dbEventHandlers);
        this.closeHandler = builder.closeHandler;
    }

    public static <T> Builder<T> builder(String path, PageFactory<T> factory) {
        return new Builder<>(path, factory);
    }

    public String path() {
        return path;
    }

    T open(Page page, Params params) throws Exception {
        return factory.open(page, params);
    }

    PageMethod<T> method(String name) {
        return methods.get(name);
    }

    /**
     * Checks that the page's user may call {@code method} now (the user may have logged out since
     * the page opened).
     *
     * @throws PageException 401 {@code unauthorized} for a guest, 403 {@code forbidden} otherwise
     */
    void authorize(Page page, String method) {
        if (guard != null && !guard.allows(page, method)) {
            throw page.isGuest() ? new PageException(401, "unauthorized", "log in first")
                    : new PageException(403, "forbidden", "not allowed: " + method);
        }
    }

    /** The declared state of {@code instance} as JSON, or null when the type keeps none. */
    JsonNode save(T instance) {
        return kept == null ? null : kept.save(instance);
    }

    /** Rebuilds the object: from the declared state when the type keeps one, else by opening it again. */
    T restore(Page page, Params params, JsonNode state) throws Exception {
        return kept == null || state == null || state.isNull() ? factory.open(page, params) : kept.restore(page, params, state);
    }

    /** A declared state: how to take it from the object and how to rebuild the object from it. */
    private record Kept<T, S>(Class<S> type, Function<T, S> saver, PageRestorer<T, S> restorer) {
        JsonNode save(T instance) {
            return Json.toTree(saver.apply(instance));
        }

        T restore(Page page, Params params, JsonNode state) throws Exception {
            return restorer.restore(page, params, Json.convert(state, type));
        }
    }

    /** The handler of {@code table}'s dbevents, or null when they go straight to the client. */
    DbEventHandler<T> dbEventHandler(String table) {
        return dbEventHandlers.get(table);
    }

    /** The tables with a dbevent handler: each page of this type is subscribed to them when it opens. */
    Set<String> dbEventTables() {
        return dbEventHandlers.keySet();
    }

    /** The close handler, or null. */
    CloseHandler<T> closeHandler() {
        return closeHandler;
    }

    /** Builds a {@link PageType}. */
    public static final class Builder<T> {
        private final String path;
        private final PageFactory<T> factory;
        private final Map<String, PageMethod<T>> methods = new HashMap<>();
        private Kept<T, ?> kept;
        private PageGuard guard;
        private final Map<String, DbEventHandler<T>> dbEventHandlers = new HashMap<>();
        private CloseHandler<T> closeHandler;

        private Builder(String path, PageFactory<T> factory) {
            this.path = Objects.requireNonNull(path);
            this.factory = Objects.requireNonNull(factory);
        }

        public Builder<T> method(String name, PageMethod<T> method) {
            if (methods.putIfAbsent(name, Objects.requireNonNull(method)) != null) {
                throw new IllegalArgumentException("method " + name + " registered twice on " + path);
            }
            return this;
        }

        /**
         * Declares the state of the page object that must survive a restart or a move: {@code saver}
         * takes it (after calls, off the call path), {@code restorer} rebuilds the object from it.
         * Fields not covered are not saved.
         *
         * @param type the state's class (Jackson-serialisable: a record, a number, a map, ...)
         */
        public <S> Builder<T> keeps(Class<S> type, Function<T, S> saver, PageRestorer<T, S> restorer) {
            this.kept = new Kept<>(Objects.requireNonNull(type), Objects.requireNonNull(saver),
                    Objects.requireNonNull(restorer));
            return this;
        }

        /**
         * Checks every call, not only the open: {@code guard} decides whether the page's current user
         * may call a method (a page opened before a logout must not keep a user's rights).
         */
        public Builder<T> authorize(PageGuard guard) {
            this.guard = Objects.requireNonNull(guard);
            return this;
        }

        /**
         * Handles {@code table}'s dbevents on the server (see {@link DbEventHandler}); every page of
         * this type is subscribed to {@code table} when it opens.
         */
        public Builder<T> onDbEvent(String table, DbEventHandler<T> handler) {
            if (table == null || table.isEmpty()) {
                throw new IllegalArgumentException("onDbEvent needs a table on " + path);
            }
            if (dbEventHandlers.putIfAbsent(table, Objects.requireNonNull(handler)) != null) {
                throw new IllegalArgumentException("onDbEvent(" + table + ") registered twice on " + path);
            }
            return this;
        }

        /** Runs when a page of this type is closed or expires (see {@link CloseHandler}). */
        public Builder<T> onClose(CloseHandler<T> handler) {
            if (closeHandler != null) {
                throw new IllegalArgumentException("onClose registered twice on " + path);
            }
            closeHandler = Objects.requireNonNull(handler);
            return this;
        }

        public PageType<T> build() {
            if (!path.startsWith("/")) {
                throw new IllegalArgumentException("page path must start with /: " + path);
            }
            return new PageType<>(this);
        }
    }
}
