package dev.resident.page;

import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/** The page types an application registers, by path. */
public final class PageTypes {
    private final Map<String, PageType<?>> byPath = new ConcurrentHashMap<>();

    public PageTypes register(PageType<?> type) {
        if (byPath.putIfAbsent(type.path(), type) != null) {
            throw new IllegalArgumentException("page type registered twice: " + type.path());
        }
        return this;
    }

    public Optional<PageType<?>> find(String path) {
        return Optional.ofNullable(byPath.get(path));
    }
}
