package dev.resident.page;

/**
 * Runs once when a page is closed (by its client, the admin, its connection's end) or expires, to
 * release what it holds: registered with {@link PageType.Builder#onClose}. A page that leaves its
 * process to go on from its saved copy (a drain, a full process making room, another process
 * taking it over) is not closed: its handler runs where it ends. It runs on a virtual
 * thread of its own after any running call and waiting dbevent handler of the page; the page takes
 * no more calls and sends nothing by then.
 *
 * @param <T> the page's own class
 */
@FunctionalInterface
public interface CloseHandler<T> {
    void closed(T page) throws Exception;
}
