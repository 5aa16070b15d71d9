package dev.resident.web;

import dev.resident.page.PageException;
import io.helidon.http.HttpException;
import io.helidon.webserver.http.Filter;
import io.helidon.webserver.http.FilterChain;
import io.helidon.webserver.http.RoutingRequest;
import io.helidon.webserver.http.RoutingResponse;
import io.helidon.webserver.http.ServerRequest;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.System.Logger.Level;
import java.nio.file.Path;
import java.time.Instant;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Resident's request log ({@code resident.request-log.enabled}): one line per HTTP request and
 * one per page socket session, for operators:
 * <pre>
 * ts=2026-11-25T15:40:00.123Z process=p01 method=POST path=/_/rpc page=Zk3…|p01 status=200 ms=3
 * ts=2026-11-25T15:41:10.001Z process=p01 method=WS path=/_/ws page=Zk3…|p01 status=1000 ms=70002
 * </pre>
 * {@code page} is the page the request named or opened ({@code -} for none); a socket's status is
 * its close code. A line never holds a cookie, a header, a body or a query string: the page id is
 * the only identifier. Lines go to the file {@code resident.request-log.file} (moved to
 * {@code <file>.1} at 10 MB, the older ones up to {@code .4}), or else to the
 * {@code dev.resident.requests} logger.
 */
public final class RequestLog implements Filter {
    private static final System.Logger LOGGER = System.getLogger("dev.resident.requests");
    /** Longer paths are cut: a path is the client's text. */
    private static final int MAX_PATH = 200;
    private static final long FILE_LIMIT = 10 << 20;
    private static final int FILES_KEPT = 4;
    private final String process;
    private final RotatingLogFile file;
    private final ReentrantLock lock = new ReentrantLock();

    private RequestLog(String process, RotatingLogFile file) {
        this.process = process.isEmpty() ? "single" : process;
        this.file = file;
    }

    /**
     * A log that writes to {@code file} (appending, created when missing), or to the {@code
     * dev.resident.requests} logger when it is empty.
     */
    public static RequestLog create(String process, String file) {
        if (file.isBlank()) {
            return new RequestLog(process, null);
        }
        try {
            return new RequestLog(process, new RotatingLogFile(Path.of(file), FILE_LIMIT, FILES_KEPT));
        } catch (IOException e) {
            throw new UncheckedIOException("resident.request-log.file " + file + " cannot be written", e);
        }
    }

    /** Notes the page a request is about, for its log line (the page of an rpc is in the body). */
    void notePage(ServerRequest req, String pageId) {
        req.context().get(PageNote.class, PageNote.class).ifPresent(note -> note.pageId = pageId);
    }

    @Override
    public void filter(FilterChain chain, RoutingRequest req, RoutingResponse res) {
        long start = System.nanoTime();
        PageNote note = new PageNote();
        note.pageId = QueryParams.value(req, "page_id", null);
        req.context().register(PageNote.class, note);
        int status = 0;
        try {
            chain.proceed();
            status = res.status().code();
        } catch (RuntimeException e) {
            status = statusOf(e);
            throw e;
        } finally {
            line(req.prologue().method().text(), req.prologue().uriPath().rawPath(), note.pageId, status, start);
        }
    }

    /** The line of a page socket session that has ended with {@code code}. */
    void socket(String pageId, int code, long startNanos) {
        line("WS", "/_/ws", pageId, code, startNanos);
    }

    private void line(String method, String path, String pageId, int status, long startNanos) {
        String text = "ts=" + Instant.now() + " process=" + process + " method=" + method
                + " path=" + clean(path) + " page=" + (pageId == null || pageId.isEmpty() ? "-" : clean(pageId))
                + " status=" + status + " ms=" + (System.nanoTime() - startNanos) / 1_000_000;
        if (file == null) {
            LOGGER.log(Level.INFO, text);
            return;
        }
        lock.lock();
        try {
            file.write(text);
        } catch (IOException e) {
            LOGGER.log(Level.WARNING, "request log not written: " + e.getMessage());
        } finally {
            lock.unlock();
        }
    }

    /** Bounded, one token: no spaces, control characters or quotes from the client reach the line. */
    private static String clean(String text) {
        return LogText.clean(text, MAX_PATH);
    }

    private static int statusOf(RuntimeException e) {
        if (e instanceof ApiError error) {
            return error.status();
        }
        if (e instanceof PageException error) {
            return error.status();
        }
        if (e instanceof HttpException error) {
            return error.status().code();
        }
        return 500;
    }

    /** Where a request's handler notes its page. */
    private static final class PageNote {
        private volatile String pageId;
    }
}
