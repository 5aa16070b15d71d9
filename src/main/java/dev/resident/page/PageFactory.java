package dev.resident.page;

/**
 * The open hook of a page type: builds the live object behind one page. It may fill the page's
 * initial data and subscribe tables; throwing {@link PageException} refuses the page.
 *
 * @param <T> the page's own class
 */
@FunctionalInterface
public interface PageFactory<T> {
    T open(Page page, Params params) throws Exception;
}
