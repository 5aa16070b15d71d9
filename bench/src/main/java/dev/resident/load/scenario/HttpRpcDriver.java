package dev.resident.load.scenario;

import dev.resident.load.net.EventLoop;
import dev.resident.load.net.HttpLink;
import dev.resident.load.net.HttpListener;

/** A client calling its page with {@code POST /_/rpc} over one keep-alive connection. */
final class HttpRpcDriver extends RpcDriver implements HttpListener {
    private final byte[] request;
    private HttpLink link;

    HttpRpcDriver(Run run, EventLoop loop, Window window, Recorder recorder, Runnable onFinish, byte[] request) {
        super(run, loop, window, recorder, onFinish);
        this.request = request;
    }

    @Override
    protected void connect() {
        link = HttpLink.open(loop, run.address(), null, this);
        send(); // held by the link until the connection is up
    }

    @Override
    protected void write() {
        if (!link.reusable()) {
            link.close(null);
            link = HttpLink.open(loop, run.address(), null, this);
        }
        link.request(request);
    }

    @Override
    protected void disconnect() {
        link.close(null);
    }

    @Override
    public void onResponse(HttpLink from, int status) {
        answered(status == 200 ? null : "http_" + status);
    }

    @Override
    public void onClosed(HttpLink from, Throwable cause, boolean requestLost) {
        if (cause != null && !finished()) {
            lost(requestLost ? "connection_lost" : "connection_closed");
        }
    }
}
