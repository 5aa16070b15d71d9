package dev.resident.example;

import dev.resident.page.Page;
import dev.resident.page.PageType;
import dev.resident.page.Params;

import java.util.Map;

/** The page type of the README, kept compiling and tested by {@code PageTypeExampleTest}. */
public final class CounterPage {
    private final Page page;
    private long count;

    private CounterPage(Page page, Params params) {
        this.page = page;
        count = params.integer("start", 0);
        page.data().set("counter.value", count);
        page.subscribe("orders");
    }

    private CounterPage(Page page, long count) {
        this.page = page;
        this.count = count;
    }

    public static PageType<CounterPage> type() {
        return PageType.builder("/counter", CounterPage::new)
                .keeps(Long.class, counter -> counter.count, (page, params, count) -> new CounterPage(page, count))
                .authorize((page, method) -> !page.isGuest() || method.equals("inc"))
                .method("inc", CounterPage::inc)
                .build();
    }

    private Object inc(Params params) {
        count += params.integer("by", 1, 1, 100);
        page.data().set("counter.value", count, "inc");
        if (count > 10) {
            page.notifyUser("alice", "counter", Map.of("value", count));
        }
        return count;
    }
}
