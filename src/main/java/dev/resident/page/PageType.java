package dev.resident.page;

import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
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
 * @param <T> the class of the live page object
 */
public final class PageType<T> {
    private final String path;
    private final PageFactory<T> factory;
    private final Map<String, PageMethod<T>> methods;
    private final Map<String, DbEventHandler<T>> dbEventHandlers;
    private final CloseHandler<T> closeHandler;

    private PageType(Builder<T> builder) {
        this.path = builder.path;
        this.factory = builder.factory;
        this.methods = Map.copyOf(builder.methods);
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
