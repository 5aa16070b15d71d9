package dev.resident.page;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import dev.resident.bus.Broadcast;
import dev.resident.bus.DbEvent;
import dev.resident.bus.UserNotice;
import dev.resident.id.Ids;
import dev.resident.json.Json;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongFunction;

/**
 * One live page: the page type's object, its client data and its message log, shared by every
 * HTTP request and the socket of that page. Calls on one page run one at a time (a lock, so a
 * waiting virtual thread just parks); calls on different pages never wait for each other.
 */
public final class ResidentPage implements Page {
    private final String id;
    private final String connectionId;
    private final String path;
    private final PageHost host;
    private final PageSettings settings;
    private final PageData data = new PageData();
    private final MessageLog log;
    private final ReentrantLock callLock = new ReentrantLock();
    private final AtomicInteger pending = new AtomicInteger();
    private final Set<String> tables = ConcurrentHashMap.newKeySet();
    private final long createdAt = System.currentTimeMillis();
    private volatile long lastActive = createdAt;
    private volatile boolean closed;
    private Live<?> live;

    private ResidentPage(String id, String connectionId, String path, PageHost host, PageSettings settings, String epoch) {
        this.id = id;
        this.connectionId = connectionId;
        this.path = path;
        this.host = host;
        this.settings = settings;
        this.log = new MessageLog(epoch, settings.historyMessages(), settings.historyAge());
    }

    /**
     * Creates a page and runs the type's open hook. On failure nothing stays subscribed.
     *
     * @throws PageException when the open hook refuses the params
     */
    public static ResidentPage open(String id, String connectionId, PageType<?> type, JsonNode params,
                                    PageHost host, PageSettings settings, String epoch) throws Exception {
        ResidentPage page = new ResidentPage(id, connectionId, type.path(), host, settings, epoch);
        try {
            page.live = Live.open(type, page, Params.of(params));
        } catch (Exception | Error e) {
            page.close(1000, "open failed");
            throw e;
        }
        page.data.takeChanges(); // the initial data travels in the open reply, not as a message
        return page;
    }

    /**
     * Runs a page method; the data changes it made become one {@code data} message.
     *
     * @return the method's result, encoded as JSON
     * @throws PageException for an unknown method, rejected params, too many waiting calls or a closed page
     */
    public String call(String method, JsonNode params) throws Exception {
        if (!live.has(method)) {
            throw PageException.unknownMethod(method);
        }
        Params parsed = Params.of(params);
        if (pending.incrementAndGet() > settings.maxPendingRpc()) {
            pending.decrementAndGet();
            throw PageException.rateLimited("too many calls waiting for this page");
        }
        try {
            callLock.lockInterruptibly();
            try {
                if (closed) {
                    throw PageException.unknownPage();
                }
                touch();
                return Json.write(live.call(method, parsed));
            } finally {
                flushChanges();
                callLock.unlock();
            }
        } finally {
            pending.decrementAndGet();
        }
    }

    /**
     * The page's data with the seq it reflects, taken between calls so the two agree: what a
     * client reloads after a resync.
     */
    public Snapshot snapshot() throws InterruptedException {
        callLock.lockInterruptibly();
        try {
            touch();
            return new Snapshot(log.epoch(), log.seq(), data.snapshot().deepCopy());
        } finally {
            callLock.unlock();
        }
    }

    /** Whether the page type has this method (unknown names must not reach the metrics as tags). */
    public boolean hasMethod(String method) {
        return live.has(method);
    }

    /** Appends a pushed message ({@code dbevent}, {@code notify}, {@code broadcast}) encoded once by the caller. */
    public void push(String t, String body) {
        if (!closed) {
            log.append(t, body);
        }
    }

    public Replay after(long after) {
        touch();
        return log.after(after);
    }

    /** Long-poll: waits up to {@code wait} for a message after {@code after}. */
    public Replay await(long after, Duration wait) throws InterruptedException {
        touch();
        try {
            return log.await(after, wait);
        } finally {
            touch();
        }
    }

    /** Makes {@code outbox} the page's socket; true when the client must resync. See {@link MessageLog#attach}. */
    public boolean attach(Outbox outbox, LongFunction<String> hello, long after, String clientEpoch) {
        touch();
        return log.attach(outbox, hello, after, clientEpoch);
    }

    public void detach(Outbox outbox) {
        log.detach(outbox);
        touch();
    }

    /** The live socket's outbox, or null. */
    public Outbox outbox() {
        return log.outbox();
    }

    /** Drops the page: no more calls or messages, tables unsubscribed, socket closed. Safe twice. */
    public void close(int socketCode, String reason) {
        if (closed) {
            return;
        }
        closed = true;
        for (String table : Set.copyOf(tables)) {
            unsubscribe(table);
        }
        log.close(socketCode, reason);
    }

    public boolean isClosed() {
        return closed;
    }

    /** Whether the page has been idle past its ttl at {@code now} (never while a socket is open). */
    public boolean expired(long now) {
        return log.outbox() == null && now - lastActive > settings.idleTtl().toMillis();
    }

    public void touch() {
        lastActive = System.currentTimeMillis();
    }

    public String connectionId() {
        return connectionId;
    }

    public String epoch() {
        return log.epoch();
    }

    public long seq() {
        return log.seq();
    }

    public long createdAt() {
        return createdAt;
    }

    public long lastActive() {
        return lastActive;
    }

    public int pendingCalls() {
        return pending.get();
    }

    @Override
    public String id() {
        return id;
    }

    @Override
    public String path() {
        return path;
    }

    @Override
    public String user() {
        return host.userOf(connectionId);
    }

    @Override
    public boolean isGuest() {
        return Ids.isGuestUser(user());
    }

    @Override
    public PageData data() {
        return data;
    }

    @Override
    public Store userStore() {
        return host.userStore(connectionId);
    }

    @Override
    public Store connectionStore() {
        return host.connectionStore(connectionId);
    }

    @Override
    public Store globalStore() {
        return host.globalStore();
    }

    @Override
    public void subscribe(String table) {
        if (!closed && tables.add(table)) {
            host.subscribe(this, table);
        }
    }

    @Override
    public void unsubscribe(String table) {
        if (tables.remove(table)) {
            host.unsubscribe(this, table);
        }
    }

    @Override
    public Set<String> tables() {
        return Set.copyOf(tables);
    }

    @Override
    public void publishDbEvent(String table, ArrayNode events) {
        host.bus().publish(new DbEvent(table, events, id));
    }

    @Override
    public void notifyUser(String user, String topic, Object payload) {
        String from = user();
        // a guest's user id holds its session id: it must not reach another user
        host.bus().notifyUser(new UserNotice(user, topic, Json.toTree(payload),
                isGuest() ? "guest" : from));
    }

    @Override
    public void broadcast(String topic, Object payload) {
        host.bus().broadcast(new Broadcast(topic, Json.toTree(payload)));
    }

    @Override
    public <T> T compute(Callable<T> work) throws Exception {
        return host.cpu().compute(work);
    }

    @Override
    public String submit(String type, Object params) {
        return host.jobs().submit(id, user(), type, params == null ? null : Json.toTree(params));
    }

    @Override
    public JsonNode followJob(String jobId) {
        return host.jobs().follow(id, user(), jobId);
    }

    private void flushChanges() {
        ArrayNode changes = data.takeChanges();
        if (changes != null) {
            log.append("data", "\"changes\":" + Json.write(changes) + "}");
        }
    }

    /** The page type's object together with its type, so methods are called with the right class. */
    private record Live<T>(PageType<T> type, T instance) {
        static <T> Live<T> open(PageType<T> type, Page page, Params params) throws Exception {
            return new Live<>(type, type.open(page, params));
        }

        boolean has(String method) {
            return method != null && type.method(method) != null;
        }

        Object call(String method, Params params) throws Exception {
            return type.method(method).call(instance, params);
        }
    }
}
