package dev.resident.page.engine;

import dev.resident.bus.Bus;
import dev.resident.page.Page;
import dev.resident.page.Store;

/** What a live page needs from the registries that hold it. */
public interface PageHost {

    /**
     * The user who held a connection under {@code tenure} ({@code guest_<id>} before login): its
     * user while the tenure holds it, the last one under it once the connection went to someone
     * else (a call running through the logout, a close handler), never the next holder; a guest
     * that names nobody when that is not known here.
     */
    String userOf(String connectionId, String tenure);

    /**
     * The client address (the key of the per-address limits) a guest's connection was made from,
     * or null: what a guest's page does outside a call (a dbevent handler, a hook) counts there.
     */
    default String addressOf(String connectionId) {
        return null;
    }

    /**
     * Who holds a connection now, as an opaque token that changes whenever the connection goes to
     * someone else (a logout, another user's login): a page asks once, when it is made, and names
     * it for its life when it asks for its stores.
     */
    String tenure(String connectionId);

    /**
     * The store of the connection's user, while {@code tenure} still holds the connection (a
     * guest's login keeps it: the store of the user who logged in).
     *
     * @throws dev.resident.page.PageException 409 {@code session_changed} once the connection went
     *         to someone else: the next holder's user is not the page's (a call running through the
     *         logout, a close handler)
     */
    Store userStore(String connectionId, String tenure);

    /**
     * The store of a connection while {@code tenure} holds it: what a page writes once its
     * session went to someone else (a call running through the logout, its close handler) reaches
     * nobody who holds the connection next.
     */
    Store connectionStore(String connectionId, String tenure);

    Store globalStore();

    /** Starts delivering dbevents of {@code table} to {@code page}. */
    void subscribe(ResidentPage page, String table);

    void unsubscribe(ResidentPage page, String table);

    Bus bus();

    /**
     * A page of {@code sender} (its user id; a guest's holds its connection) is about to send a
     * notice or a broadcast.
     *
     * @throws dev.resident.page.PageException 429 {@code rate_limited} when the sender sent too many
     */
    default void beforeNotice(String sender) {
    }

    /**
     * A call is about to run on {@code page}, under its call lock: the host may drop the page
     * first (close it with 1012), when this process may no longer run it.
     */
    default void beforeCall(ResidentPage page) {
    }

    /** A call ran on {@code page}: what it keeps may have changed and is to be saved. */
    void changed(ResidentPage page);

    /** Platform threads for CPU-bound page code. */
    CpuPool cpu();

    /** Where {@link Page#submit} sends jobs. */
    default JobSubmitter jobs() {
        return JobSubmitter.NONE;
    }
}
