package dev.resident.load.net;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;

/**
 * One TCP connection on an {@link EventLoop}: connects, buffers what arrives until the protocol
 * above has consumed it, and queues what the socket would not take at once. Call its methods on
 * the loop thread only.
 */
public abstract class Link {
    private static final int MAX_BUFFER = 16 << 20;
    protected final EventLoop loop;
    private SocketChannel channel;
    private SelectionKey key;
    private ByteBuffer in = ByteBuffer.allocate(1024);
    private ByteBuffer out;
    private boolean closed;

    protected Link(EventLoop loop) {
        this.loop = loop;
    }

    /** Starts connecting to {@code remote} from {@code source} (null: any local address). */
    protected final void connect(InetSocketAddress remote, InetAddress source) {
        try {
            channel = SocketChannel.open();
            channel.configureBlocking(false);
            channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
            if (source != null) {
                channel.bind(new InetSocketAddress(source, 0));
            }
            if (channel.connect(remote)) {
                key = channel.register(loop.selector(), SelectionKey.OP_READ, this);
                onConnected();
            } else {
                key = channel.register(loop.selector(), SelectionKey.OP_CONNECT, this);
            }
        } catch (IOException e) {
            close(e);
        }
    }

    /** The connection is up. */
    protected abstract void onConnected();

    /**
     * New bytes arrived: consume what forms whole messages from {@code buffer} (in read mode) and
     * leave the rest in it.
     */
    protected abstract void onData(ByteBuffer buffer);

    /** The connection is gone; {@code cause} is null for a close this side asked for. */
    protected abstract void onClosed(Throwable cause);

    /** Writes {@code data} now, or queues what the socket did not take. */
    protected final void write(ByteBuffer data) {
        if (closed) {
            return;
        }
        try {
            if (out == null) {
                channel.write(data);
                if (!data.hasRemaining()) {
                    return;
                }
                out = ByteBuffer.allocate(Math.max(4096, data.remaining()));
                key.interestOps(key.interestOps() | SelectionKey.OP_WRITE);
            }
            if (out.remaining() < data.remaining()) {
                ByteBuffer bigger = ByteBuffer.allocate(Math.max(out.capacity() * 2, out.position() + data.remaining()));
                out.flip();
                bigger.put(out);
                out = bigger;
            }
            out.put(data);
        } catch (IOException e) {
            close(e);
        }
    }

    public final boolean isClosed() {
        return closed;
    }

    /** Closes the connection once; {@link #onClosed} follows. */
    public final void close(Throwable cause) {
        if (closed) {
            return;
        }
        closed = true;
        try {
            if (channel != null) {
                channel.close();
            }
        } catch (IOException ignored) {
            // nothing left to do with it
        }
        onClosed(cause);
    }

    final void ready(SelectionKey ready) {
        try {
            if (ready.isConnectable()) {
                channel.finishConnect();
                key.interestOps(SelectionKey.OP_READ);
                onConnected();
            }
            if (!closed && ready.isWritable()) {
                flush();
            }
            if (!closed && ready.isReadable()) {
                read();
            }
        } catch (IOException | RuntimeException e) {
            close(e);
        }
    }

    private void flush() throws IOException {
        out.flip();
        channel.write(out);
        if (out.hasRemaining()) {
            out.compact();
        } else {
            out = null;
            key.interestOps(SelectionKey.OP_READ);
        }
    }

    private void read() throws IOException {
        int n = channel.read(in);
        if (n < 0) {
            close(new IOException("closed by the server"));
            return;
        }
        in.flip();
        onData(in);
        in.compact();
        if (!in.hasRemaining()) {
            if (in.capacity() >= MAX_BUFFER) {
                throw new IOException("message larger than " + MAX_BUFFER + " bytes");
            }
            ByteBuffer bigger = ByteBuffer.allocate(in.capacity() * 4);
            in.flip();
            bigger.put(in);
            in = bigger;
        }
    }
}
