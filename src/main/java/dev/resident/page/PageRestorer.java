package dev.resident.page;

/**
 * Rebuilds a page type's object from the state it declared ({@link PageType.Builder#keeps}), when a
 * page is continued after a restart or on another process. It runs instead of the open hook; the
 * page's data, tables and seq are already restored.
 *
 * @param <T> the page's own class
 * @param <S> the state the type keeps (Jackson-serialisable)
 */
@FunctionalInterface
public interface PageRestorer<T, S> {
    T restore(Page page, Params params, S state) throws Exception;
}
