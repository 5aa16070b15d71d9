package dev.resident.page;

/**
 * A named method of a page type, run on the live page object. Calls on one page never overlap.
 * The returned value (any Jackson-serializable object, or null) is the rpc result.
 *
 * @param <T> the page's own class
 */
@FunctionalInterface
public interface PageMethod<T> {
    Object call(T page, Params params) throws Exception;
}
