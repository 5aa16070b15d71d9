package dev.resident.page.engine;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import dev.resident.bus.Broadcast;
import dev.resident.bus.BusNames;
import dev.resident.bus.DbEvent;
import dev.resident.bus.TooLargeForBus;
import dev.resident.bus.UserNotice;
import dev.resident.id.Ids;
import dev.resident.json.Json;
import dev.resident.json.Utf8;
import dev.resident.ops.BoundedErrorLog;
import dev.resident.page.DbEventHandler;
import dev.resident.page.EngineSeam;
import dev.resident.page.Page;
import dev.resident.page.PageData;
import dev.resident.page.PageException;
import dev.resident.page.PageMethod;
import dev.resident.page.PageType;
import dev.resident.page.Params;
import dev.resident.page.Store;

import java.lang.invoke.MethodHandles;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongFunction;
import java.util.function.Supplier;

/**
 * One live page: the page type's object, its client data and its message log, shared by every
 * HTTP request and the socket of that page. Calls on one page run one at a time (a lock, so a
 * waiting virtual thread just parks); calls on different pages never wait for each other.
 */
public final class ResidentPage implements Page {
    private static final System.Logger LOGGER = System.getLogger(ResidentPage.class.getName());
    /**
     * Page handlers that throw (dbevents, close), as the rpc path logs page code that throws:
     * twenty stacks a minute, two hundred lines, then only their number. A handler that fails on
     * what a client or a table sent could otherwise write a stack per event into the log.
     */
    private static final BoundedErrorLog HANDLER_FAILURES = new BoundedErrorLog(LOGGER, System.Logger.Level.ERROR,
            Duration.ofMinutes(1), 20, 200);
    private static final EngineSeam SEAM = EngineSeam.open(MethodHandles.lookup());
    private static final String UNAVAILABLE = "unavailable";
    /** {@link #compute} found the CPU pool's queue full. */
    private static final String CPU_BUSY = "cpu_busy";
    /** {@link #submit} found no task queue that takes the job, or {@link #followJob} no job store to read it. */
    private static final String TASKS_UNAVAILABLE = "tasks_unavailable";
    /** How long a snapshot between calls waits for a running call: the writer must not stall on one page. */
    private static final Duration SAVE_WAIT = Duration.ofMillis(20);
    /** {@link #sentSnapshot}: no snapshot is known to be in the state store as this page would write it. */
    public static final long NOT_SENT = 0;
    private final String id;
    private final String path;
    /** The open params, encoded: a page keeps them for its life, and text holds far less heap than a tree. */
    private final String params;
    private final PageHost host;
    private final PageSettings settings;
    private final PageData data = new PageData();
    private final MessageLog log;
    private final ReentrantLock callLock = new ReentrantLock();
    private final AtomicInteger pending = new AtomicInteger();
    private final Set<String> tables = ConcurrentHashMap.newKeySet();
    private final HookQueue hooks;
    private final long createdAt = System.currentTimeMillis();
    private volatile long lastActive = createdAt;
    private volatile boolean closed;
    /**
     * Closed here only, or saved to be, to be continued elsewhere (a drain, a takeover): callers may
     * retry. Set under the call lock by {@link #saveForMove}, before the close.
     */
    private volatile boolean movedAway;
    private final String connectionId;
    /** Who held the connection when the page was made ({@link PageHost#tenure}): the page's for its life. */
    private final String tenure;
    /** Revision of the page's last saved copy in the state store (0: never saved). */
    private volatile long revision;
    private volatile long savedAt = createdAt;
    /** Closed for good: its saved copy is deleted, and no write of it may bring the copy back. */
    private volatile boolean discarded;
    /** Bytes of its last snapshot as encoded for the state store: a measure of its data. */
    private volatile long measuredBytes;
    /** The fingerprint of the last snapshot sent to the state store and not refused, or {@link #NOT_SENT}. */
    private final AtomicLong sentSnapshot = new AtomicLong(NOT_SENT);
    /**
     * The key of the client address the open or call in flight came from, worked out only when page
     * code asks (a job's share of the queue); null between calls.
     */
    private volatile Supplier<String> caller;
    private Live<?> live;

    private ResidentPage(String id, String connectionId, String tenure, String path, String params, PageHost host,
                         PageSettings settings, String epoch, long seq) {
        this.id = id;
        this.connectionId = connectionId;
        this.tenure = tenure;
        this.path = path;
        this.params = params;
        this.host = host;
        this.settings = settings;
        this.log = new MessageLog(epoch, seq, settings.historyMessages(), settings.historyBytes(), settings.historyAge());
        this.hooks = new HookQueue(settings.maxPendingRpc());
    }

    /**
     * Creates a page and runs the type's open hook. On failure nothing stays subscribed.
     *
     * @throws PageException when the open hook refuses the params
     */
    public static ResidentPage open(String id, String connectionId, PageType<?> type, JsonNode params,
                                    Supplier<String> caller, PageHost host, PageSettings settings, String epoch)
            throws Exception {
        JsonNode given = params == null || params.isNull() ? Json.object() : params;
        String encoded = Json.write(given);
        if (Utf8.length(encoded) > settings.maxParamsBytes()) {
            throw PageException.unprocessable("params larger than " + settings.maxParamsBytes() + " bytes");
        }
        ResidentPage page = new ResidentPage(id, connectionId, host.tenure(connectionId), type.path(), encoded, host,
                settings, epoch, 0);
        page.caller = caller;
        // under the call lock, as a call: a dbevent handler of a table it just subscribed to waits
        page.callLock.lock();
        try {
            page.live = Live.open(type, page, Params.of(given));
            SEAM.dbEventTables(type).forEach(page::subscribe);
            SEAM.dropChanges(page.data); // the initial data travels in the open reply, not as a message
        } catch (Exception | Error e) {
            page.close(1000, "open failed");
            throw e;
        } finally {
            page.caller = null;
            page.callLock.unlock();
        }
        return page;
    }

    /**
     * Continues a saved page under {@code id} with a new {@code epoch} (its message history died
     * with the process that had it, so clients resync): data, tables and seq as saved, the type's
     * object rebuilt by the type's {@code keeps} restorer (or its open hook).
     *
     * @param tenure   who held its connection when it was saved ({@link PageHost#tenure}): still the page's
     * @param revision the revision of the saved copy this page now owns
     * @throws Exception what the type's restore or open hook throws
     */
    public static ResidentPage restore(SavedPage saved, String tenure, String id, PageType<?> type, PageHost host,
                                       PageSettings settings, String epoch, long revision) throws Exception {
        ResidentPage page = new ResidentPage(id, saved.connectionId(), tenure, type.path(), saved.params(), host,
                settings, epoch, saved.seq());
        page.revision(revision);
        try {
            page.live = Live.restore(type, page, Params.of(Json.parse(saved.params())), saved.state());
        } catch (Exception | Error e) {
            page.close(1000, "restore failed");
            throw e;
        }
        SEAM.restore(page.data, saved.data());
        for (String table : page.tables()) {
            if (!saved.tables().contains(table)) {
                page.unsubscribe(table);
            }
        }
        saved.tables().forEach(page::subscribe);
        return page;
    }

    /**
     * What this page leaves behind to be continued elsewhere, taken between calls; null when a call
     * is running (it marks the page changed again when it ends).
     */
    public SavedPage save() throws InterruptedException {
        return save(false, SAVE_WAIT);
    }

    /**
     * Like {@link #save()}, for a page about to be continued by another process (a drain): it waits
     * up to {@code wait} for a running call to end, and no call runs here after this snapshot. A
     * call already waiting for the page, which would otherwise take it between the snapshot and the
     * close and answer a change the snapshot lacks, gets 503 {@code unavailable} instead and goes
     * where the page goes.
     *
     * @return null when a call still runs after {@code wait}
     */
    public SavedPage saveForMove(Duration wait) throws InterruptedException {
        return save(true, wait);
    }

    private SavedPage save(boolean move, Duration wait) throws InterruptedException {
        if (!callLock.tryLock(wait.toNanos(), java.util.concurrent.TimeUnit.NANOSECONDS)) {
            return null;
        }
        try {
            if (move) {
                movedAway = true; // before the unlock: whoever takes the lock next sees it
            }
            return new SavedPage(id, path, params, connectionId, log.epoch(), log.seq(), data.snapshot().deepCopy(),
                    Set.copyOf(tables), live.save());
        } finally {
            callLock.unlock();
        }
    }

    /** Marks it closed for good (its saved copy is being deleted): see {@link #discarded}. */
    public void discard() {
        discarded = true;
    }

    /** Whether it was closed for good: a write of its snapshot that lands after that is undone. */
    public boolean discarded() {
        return discarded;
    }

    /**
     * Records the size of a snapshot of it just encoded (data, params, tables, declared state).
     *
     * @return the size recorded before (0 for none)
     */
    public long measured(long snapshotBytes) {
        long before = measuredBytes;
        measuredBytes = snapshotBytes;
        return before;
    }

    /**
     * About what the page holds that its client could have sent: its last snapshot's size (its
     * params before any), and the characters of its own messages (data changes) kept for replay,
     * those past their age dropped now. A measure, not its heap: a tree holds several times its
     * JSON. Bodies pushed to many pages (dbevents, broadcasts) are not counted.
     */
    public long heldChars(long now) {
        return Math.max(measuredBytes, params.length()) + log.ownChars(now);
    }

    /** The revision of this page's saved copy that it last wrote or read. */
    public long revision() {
        return revision;
    }

    /**
     * Whether the snapshot whose fingerprint this is was the last one sent to the state store, and
     * was not refused: a write of it again would change nothing there.
     */
    public boolean sentAlready(long snapshotFingerprint) {
        return sentSnapshot.get() == snapshotFingerprint;
    }

    /** A snapshot with this fingerprint is on its way to the state store. */
    public void sending(long snapshotFingerprint) {
        sentSnapshot.set(snapshotFingerprint);
    }

    /** The write of that snapshot failed: the next one is written whatever it holds. */
    public void notStored(long snapshotFingerprint) {
        sentSnapshot.compareAndSet(snapshotFingerprint, NOT_SENT);
    }

    /** What was sent was lost before it was durable: the next snapshot is written whatever it holds. */
    public void notStored() {
        sentSnapshot.set(NOT_SENT);
    }

    /** Records that the saved copy is now at {@code revision}. */
    public void revision(long revision) {
        this.revision = revision;
        this.savedAt = System.currentTimeMillis();
    }

    /** When the page was last saved (its creation time if never). */
    public long savedAt() {
        return savedAt;
    }

    /**
     * Runs a page method; the data changes it made become one {@code data} message.
     *
     * @param caller where the call comes from: it does not run once its session changed hands
     * @return the method's result, encoded as JSON
     * @throws PageException for an unknown method, rejected params, too many waiting calls, a closed
     *                       page, or 503 {@code unavailable} when the session changed while the call waited
     */
    public String call(String method, JsonNode params, Caller caller) throws Exception {
        return call(live, method, params, caller);
    }

    /** {@link #call(String, JsonNode, Caller)}, with the method looked up once for the type's object. */
    private <T> String call(Live<T> current, String method, JsonNode params, Caller caller) throws Exception {
        PageMethod<T> found = current.method(method);
        if (found == null) {
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
                if (closed || movedAway) {
                    throw closedAnswer();
                }
                host.beforeCall(this);
                if (closed) {
                    throw closedAnswer(); // another process runs it now: the client is sent there
                }
                if (!caller.stillEntitled().getAsBoolean()) {
                    throw PageException.sessionChangedWhile("the call waited; it did not run");
                }
                this.caller = caller.address();
                String result = Json.write(current.call(this, method, found, parsed));
                if (!caller.stillEntitled().getAsBoolean()) {
                    // a login or logout came while it ran: the page code read whoever held the session then
                    throw PageException.sessionChanged();
                }
                return result;
            } finally {
                this.caller = null;
                flushChanges(touch());
                callLock.unlock();
                host.changed(this);
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
        if (pending.incrementAndGet() > settings.maxPendingRpc()) { // it waits as a call does
            pending.decrementAndGet();
            throw PageException.rateLimited("too many calls waiting for this page");
        }
        try {
            callLock.lockInterruptibly();
            try {
                touch();
                return new Snapshot(log.epoch(), log.seq(), data.snapshot().deepCopy());
            } finally {
                callLock.unlock();
            }
        } finally {
            pending.decrementAndGet();
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

    /**
     * Delivers a dbevent encoded once by the caller: straight to the client, or first to the page
     * type's {@link DbEventHandler} of the table on the page's hook thread (the caller never waits
     * for the page). When too many handler runs wait already the handler is skipped for this
     * event and the client still gets it.
     */
    public void deliverDbEvent(DbEvent event, String body) {
        if (closed) {
            return;
        }
        Live<?> current = live; // null while the open hook runs: it may subscribe before it returns
        if (current == null || !current.handles(event.table()) || !hooks.offer(() -> handleDbEvent(event, body), true)) {
            push("dbevent", body);
        }
    }

    private void handleDbEvent(DbEvent event, String body) {
        callLock.lock();
        try {
            if (closed || movedAway) {
                return;
            }
            DbEventHandler.RawEvent raw = DbEventHandler.RawEvent.FORWARD;
            try {
                DbEventHandler.RawEvent decided = live.onDbEvent(event);
                raw = decided == null ? raw : decided;
            } catch (Exception | Error e) {
                HANDLER_FAILURES.log("dbevent handler of " + path + " failed on " + event.table()
                        + "; the client gets the raw event", e);
            }
            flushChanges(System.currentTimeMillis());
            if (raw == DbEventHandler.RawEvent.FORWARD) {
                push("dbevent", body);
            }
        } finally {
            callLock.unlock();
        }
        // as after a call: what the handler changed (data, kept state) is saved, or a copy of the
        // page continued elsewhere lacks what its client saw
        host.changed(this);
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

    /**
     * Closes the page's socket, if it has one, and keeps the page: no message from now on goes to
     * that socket (its client connects again, and is asked who it is again).
     */
    public void closeSocket(int code, String reason) {
        log.closeOutbox(code, reason);
    }

    public void detach(Outbox outbox) {
        log.detach(outbox);
        touch();
    }

    /** The live socket's outbox, or null. */
    public Outbox outbox() {
        return log.outbox();
    }

    /** What a call on the closed page answers: 404 when it is gone, 503 when it moved on and a retry finds it. */
    public PageException closedAnswer() {
        return movedAway ? new PageException(503, UNAVAILABLE, "the page is moving; try again").retryAfter(1)
                : PageException.unknownPage();
    }

    /** Drops the page: no more calls or messages, tables unsubscribed, socket closed. Safe twice. */
    public void close(int socketCode, String reason) {
        close(socketCode, reason, true);
    }

    /**
     * Like {@link #close}, for a page that goes on from its saved copy (another process took it
     * over, a drain released it, a full process evicted it): its close handler runs where it ends
     * for good, not here, or what its open hook took would be released while it goes on.
     */
    public void closeHere(int socketCode, String reason) {
        close(socketCode, reason, false);
    }

    private void close(int socketCode, String reason, boolean ends) {
        if (closed) {
            return;
        }
        movedAway |= socketCode == 1001 || socketCode == 1012;
        closed = true;
        for (String table : Set.copyOf(tables)) {
            unsubscribe(table);
        }
        log.close(socketCode, reason);
        if (ends && live != null && live.closes()) {
            hooks.offer(this::runCloseHandler, false);
        }
    }

    /** The page type's close handler, after any running call and waiting dbevent handler. */
    private void runCloseHandler() {
        callLock.lock();
        try {
            live.onClose();
        } catch (Exception | Error e) {
            HANDLER_FAILURES.log("close handler of " + path + " failed", e);
        } finally {
            callLock.unlock();
        }
    }

    public boolean isClosed() {
        return closed;
    }

    /** Whether the page has been idle past its ttl at {@code now} (never while a socket is open). */
    public boolean expired(long now) {
        return log.outbox() == null && now - lastActive > settings.idleTtl().toMillis();
    }

    /** Marks the page active now; returns that time (millis). */
    public long touch() {
        long now = System.currentTimeMillis();
        lastActive = now;
        return now;
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
        return host.userOf(connectionId, tenure);
    }

    @Override
    public boolean isGuest() {
        return Ids.isGuestUser(user());
    }

    @Override
    public boolean hasSocket() {
        return log.outbox() != null;
    }

    @Override
    public PageData data() {
        return data;
    }

    /**
     * Who held its connection when the page was made ({@link PageHost#tenure}): its snapshots carry
     * it, so a copy of the page is never continued for whoever holds the connection next.
     */
    public String tenure() {
        return tenure;
    }

    @Override
    public Store userStore() {
        return host.userStore(connectionId, tenure);
    }

    @Override
    public Store connectionStore() {
        return host.connectionStore(connectionId, tenure);
    }

    @Override
    public Store globalStore() {
        return host.globalStore();
    }

    @Override
    public void subscribe(String table) {
        checkName("table", table);
        // the page lists the table only once the subscription is made
        if (!closed && !tables.contains(table)) {
            host.subscribe(this, table);
            tables.add(table);
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
        checkName("table", table);
        host.bus().publish(new DbEvent(table, events, id));
    }

    @Override
    public void notifyUser(String user, String topic, Object payload) {
        checkName("user", user);
        String from = user();
        host.beforeNotice(from);
        // a guest's user id holds its session id: it must not reach another user
        try {
            host.bus().notifyUser(new UserNotice(user, topic, Json.toTree(payload),
                    isGuest() ? "guest" : from));
        } catch (TooLargeForBus e) {
            throw tooLarge(e);
        }
    }

    @Override
    public void broadcast(String topic, Object payload) {
        host.beforeNotice(user());
        try {
            host.bus().broadcast(new Broadcast(topic, Json.toTree(payload)));
        } catch (TooLargeForBus e) {
            throw tooLarge(e);
        }
    }

    private static PageException tooLarge(TooLargeForBus e) {
        return new PageException(413, "too_large", e.getMessage());
    }

    @Override
    public <T> T compute(Callable<T> work) throws Exception {
        try {
            return host.cpu().compute(work);
        } catch (PageException e) {
            throw midway(e, CPU_BUSY);
        }
    }

    @Override
    public String submit(String type, Object params) {
        try {
            return host.jobs().submit(id, user(), callerAddress(), type, params == null ? null : Json.toTree(params));
        } catch (PageException e) {
            throw midway(e, TASKS_UNAVAILABLE);
        }
    }

    /** The address of the call running, or outside a call (a dbevent handler) the one its connection was made from. */
    private String callerAddress() {
        Supplier<String> current = caller;
        return current != null ? current.get() : host.addressOf(connectionId);
    }

    /**
     * A service that refused the page's own code midway through a call: its {@code unavailable}
     * would tell the client that nothing ran and that it may send the call again, so it becomes
     * {@code code}, 500 (a 503 carries {@code Retry-After}). Other refusals pass as they are.
     */
    private static PageException midway(PageException refused, String code) {
        if (!UNAVAILABLE.equals(refused.code())) {
            return refused;
        }
        return new PageException(500, code, refused.getMessage() + " (the call may have partly run)");
    }

    @Override
    public JsonNode followJob(String jobId) {
        try {
            return host.jobs().follow(id, user(), jobId);
        } catch (PageException e) {
            throw midway(e, TASKS_UNAVAILABLE); // the job store out of reach (NATS restarting), as for a submit
        }
    }

    /** Sends the changes of the call that ends at {@code now} (millis) as one {@code data} message. */
    private void flushChanges(long now) {
        StringBuilder body = new StringBuilder(64).append("\"changes\":");
        if (SEAM.takeChanges(data, body)) {
            log.append("data", body.append('}').toString(), now, true);
        }
    }

    /** The page type's object together with its type, so methods are called with the right class. */
    private record Live<T>(PageType<T> type, T instance) {
        static <T> Live<T> open(PageType<T> type, Page page, Params params) throws Exception {
            return new Live<>(type, SEAM.open(type, page, params));
        }

        static <T> Live<T> restore(PageType<T> type, Page page, Params params, JsonNode state) throws Exception {
            return new Live<>(type, SEAM.restore(type, page, params, state));
        }

        JsonNode save() {
            return SEAM.save(type, instance);
        }

        boolean has(String method) {
            return method(method) != null;
        }

        /** The type's method of that name, or null. */
        PageMethod<T> method(String name) {
            return name == null ? null : SEAM.method(type, name);
        }

        /** Runs {@code found}, this type's method {@code method}, once the page's user may call it. */
        Object call(Page page, String method, PageMethod<T> found, Params params) throws Exception {
            SEAM.authorize(type, page, method);
            return found.call(instance, params);
        }

        boolean handles(String table) {
            return SEAM.dbEventHandler(type, table) != null;
        }

        DbEventHandler.RawEvent onDbEvent(DbEvent event) throws Exception {
            return SEAM.dbEventHandler(type, event.table()).handle(instance, event);
        }

        boolean closes() {
            return SEAM.closeHandler(type) != null;
        }

        void onClose() throws Exception {
            SEAM.closeHandler(type).closed(instance);
        }
    }

    /** A table or user name a bus subject can be made of; else 422 for the call that passed it. */
    private static void checkName(String what, String name) {
        try {
            BusNames.check(what, name);
        } catch (IllegalArgumentException e) {
            throw PageException.unprocessable(e.getMessage());
        }
    }
}
