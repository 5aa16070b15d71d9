package dev.resident.page;

/**
 * Decides before every call whether the page's current user may call a method
 * ({@link PageType.Builder#authorize}).
 */
@FunctionalInterface
public interface PageGuard {
    boolean allows(Page page, String method);
}
