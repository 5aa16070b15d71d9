package dev.resident.page;

import java.util.HashMap;
import java.util.Map;
import java.util.Objects;

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

    private PageType(Builder<T> builder) {
        this.path = builder.path;
        this.factory = builder.factory;
        this.methods = Map.copyOf(builder.methods);
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

    /** Builds a {@link PageType}. */
    public static final class Builder<T> {
        private final String path;
        private final PageFactory<T> factory;
        private final Map<String, PageMethod<T>> methods = new HashMap<>();

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

        public PageType<T> build() {
            if (!path.startsWith("/")) {
                throw new IllegalArgumentException("page path must start with /: " + path);
            }
            return new PageType<>(this);
        }
    }
}
