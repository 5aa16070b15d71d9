package dev.resident.page;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;

import java.util.Set;
import java.util.concurrent.Callable;

/** The API a page type's code sees of its own resident page. */
public interface Page {

    /** The page id (opaque; ends with {@code |pNN} in multi-process mode). */
    String id();

    /** The page type's path. */
    String path();

    /** The user of the page's connection ({@code guest_<connection id>} before login). */
    String user();

    /** Whether nobody logged in on the page's connection. */
    boolean isGuest();

    /** Whether the page's WebSocket is open now. */
    boolean hasSocket();

    /** The page's client data; changes are pushed to the browser as {@code data} messages. */
    PageData data();

    Store userStore();

    Store connectionStore();

    Store globalStore();

    /** Receives dbevents of {@code table} from now on (the page's own ones included). */
    void subscribe(String table);

    void unsubscribe(String table);

    Set<String> tables();

    /** Publishes changes of a table, as page code does after a commit. */
    void publishDbEvent(String table, ArrayNode events);

    /** Sends a notification to every page of {@code user}. */
    void notifyUser(String user, String topic, Object payload);

    /** Sends a message to every page of the site. */
    void broadcast(String topic, Object payload);

    /**
     * Runs CPU-bound work (a report, a big computation) on the server's CPU pool and returns its
     * result, so other pages keep being served meanwhile; blocking I/O needs no such care. Called
     * from work already on the pool, it runs {@code work} there.
     *
     * @throws PageException 500 {@code cpu_busy} when too much work is already waiting; uncaught, it
     *                       tells the client that the call stopped midway, so it is not sent again
     */
    <T> T compute(Callable<T> work) throws Exception;

    /**
     * Starts a background job of the task type {@code type} and returns its id at once. Its
     * progress, result or error reach this page as {@code job} messages.
     *
     * @param params any Jackson-serializable object (a map, an {@code ObjectNode}, a record), or null
     * @throws PageException 404 {@code unknown_task}, 422 for bad params, 429 {@code rate_limited},
     *                       500 {@code tasks_unavailable} when no task queue takes it (none reachable,
     *                       or this server runs no tasks); uncaught, it tells the client that the
     *                       call stopped midway, so it is not sent again
     */
    String submit(String type, Object params);

    /**
     * Makes the job's messages come to this page from now on: a job of this page's user that
     * another page started, such as the page this one replaced when the browser reloaded.
     *
     * @return the job's current state: the fields of a {@code job} message ({@code state},
     *         {@code progress}, {@code result}, {@code error}, ...)
     * @throws PageException 404 {@code unknown_job} when the user has no such job; 500
     *                       {@code tasks_unavailable} when the job store cannot be reached (NATS
     *                       restarting): uncaught, it tells the client that the call stopped midway
     */
    JsonNode followJob(String jobId);
}
