/**
 * The page author's API: a page type ({@link dev.resident.page.PageType} and its builder) with its
 * open hook, methods, guard, dbevent and close handlers and the state it keeps; what its code sees
 * of its live page ({@link dev.resident.page.Page}, {@link dev.resident.page.PageData},
 * {@link dev.resident.page.Params}, {@link dev.resident.page.Store}); the answers it throws
 * ({@link dev.resident.page.PageException}); and {@link dev.resident.page.PageTypes}, where an
 * application registers its types. The engine that runs pages is {@code dev.resident.page.engine};
 * it reaches what this package keeps from page code only through {@link dev.resident.page.EngineSeam}.
 * This package never imports the engine.
 */
package dev.resident.page;
