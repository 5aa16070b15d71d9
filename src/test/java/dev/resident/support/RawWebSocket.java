package dev.resident.support;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.CookieManager;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ProtocolException;
import java.net.Socket;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReentrantLock;

import static java.nio.charset.StandardCharsets.UTF_8;

/**
 * A browser's WebSocket for the tests, over a plain socket: the upgrade, the frames both ways,
 * pongs to pings and the close handshake. {@link SocketClient} (page sockets) and
 * {@link TunnelClient} (tunnelled legacy sockets) are built on it.
 *
 * <p>Not {@code java.net.http.WebSocket}: the JDK's client (25) hands the bytes that arrive with or
 * right after the {@code 101} over from its HTTP/1 reader to the WebSocket unsafely, and now and
 * then loses a chunk of them. The server sends {@code hello} and the replay right after the
 * {@code 101}, so a socket that resumed behind by tens of KB got a frame cut short (not JSON) or
 * bytes that were no frame at all (a protocol error): SocketBoundsTest failed so, while what the
 * server wrote, recorded between the two, was intact. The same fault cut messages a legacy server
 * sent through the tunnel right after it opened (docs/legacy.md). This one reads the {@code 101} a
 * byte at a time, so nothing after it is read early.
 */
public final class RawWebSocket {
    /** Opcodes (RFC 6455 §5.2). */
    public static final int CONTINUATION = 0x0;
    public static final int TEXT = 0x1;
    public static final int BINARY = 0x2;
    public static final int CLOSE = 0x8;
    public static final int PING = 0x9;
    public static final int PONG = 0xA;

    /** What the reader hands over, on its own thread. */
    public interface Listener {
        void onText(String text);

        default void onBinary(byte[] bytes) {
        }

        default void onPing(byte[] payload) {
        }

        default void onPong(byte[] payload) {
        }

        /** The server's close frame (1005: it had no code), or 1006 when the connection ended without one. */
        void onClose(int code, String reason);

        /** A fault of the connection or of the server's frames, or one the listener threw: the connection is closed. */
        void onError(Exception error);
    }

    /**
     * The server answered the upgrade with something else than {@code 101}; where the JDK's client
     * failed with a {@code WebSocketHandshakeException}, whose response held the status.
     */
    public static final class UpgradeRefused extends IOException {
        private final int status;

        UpgradeRefused(String statusLine) {
            super("upgrade refused: " + statusLine);
            String[] parts = statusLine.split(" ", 3);
            this.status = parts.length > 1 && parts[1].matches("[0-9]{3}") ? Integer.parseInt(parts[1]) : -1;
        }

        /** The answer's status code (403, say), or -1 when its first line had none. */
        public int status() {
            return status;
        }
    }

    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;
    /** Frames this side sends go out one at a time, whole. */
    private final ReentrantLock sending = new ReentrantLock();
    /** Set once this side sent its close frame: nothing else goes out after it. */
    private volatile boolean outputClosed;
    private final AtomicBoolean reading = new AtomicBoolean();

    private RawWebSocket(Socket socket) throws IOException {
        this.socket = socket;
        this.in = socket.getInputStream();
        this.out = socket.getOutputStream();
    }

    /**
     * Opens a socket to {@code uri} ({@code ws://host:port/path?query}); nothing is read after the
     * {@code 101} until {@link #startReading}.
     *
     * @param from    the local address to connect from, or null for any
     * @param cookies the browser's cookies: sent, and those the answer sets kept; or null
     * @param headers more headers of the upgrade request ({@code Origin}, {@code Cookie}...)
     * @throws IOException an {@link UpgradeRefused} when the server refuses the upgrade; another when the
     *                     connection fails or the {@code 101} does not answer the key
     */
    public static RawWebSocket connect(URI uri, InetAddress from, CookieManager cookies, Map<String, String> headers)
            throws IOException {
        Socket socket = new Socket();
        try {
            if (from != null) {
                socket.bind(new InetSocketAddress(from, 0));
            }
            socket.connect(new InetSocketAddress(uri.getHost(), uri.getPort()), 5_000);
            socket.setTcpNoDelay(true);
            RawWebSocket client = new RawWebSocket(socket);
            client.upgrade(uri, cookies, headers);
            return client;
        } catch (IOException | RuntimeException e) {
            closeQuietly(socket);
            throw e;
        }
    }

    /** Sends the upgrade request and reads the answer's head, and not a byte past it. */
    private void upgrade(URI uri, CookieManager cookies, Map<String, String> headers) throws IOException {
        byte[] nonce = new byte[16];
        ThreadLocalRandom.current().nextBytes(nonce);
        String key = Base64.getEncoder().encodeToString(nonce);
        String target = uri.getRawPath() + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery());
        StringBuilder request = new StringBuilder("GET ").append(target).append(" HTTP/1.1\r\n")
                .append("Host: ").append(uri.getHost()).append(':').append(uri.getPort()).append("\r\n")
                .append("Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n")
                .append("Sec-WebSocket-Key: ").append(key).append("\r\n");
        URI http = httpUri(uri);
        if (cookies != null) {
            for (Map.Entry<String, List<String>> sent : cookies.get(http, Map.of()).entrySet()) {
                if (!sent.getValue().isEmpty()) {
                    request.append(sent.getKey()).append(": ").append(String.join("; ", sent.getValue())).append("\r\n");
                }
            }
        }
        headers.forEach((name, value) -> request.append(name).append(": ").append(value).append("\r\n"));
        out.write(request.append("\r\n").toString().getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
        socket.setSoTimeout(10_000);
        String status = line();
        Map<String, List<String>> answer = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        for (String header = line(); !header.isEmpty(); header = line()) {
            int colon = header.indexOf(':');
            if (colon > 0) {
                answer.computeIfAbsent(header.substring(0, colon).trim(), name -> new ArrayList<>())
                        .add(header.substring(colon + 1).trim());
            }
        }
        socket.setSoTimeout(0);
        if (cookies != null) {
            cookies.put(http, answer);
        }
        if (!status.startsWith("HTTP/1.1 101")) {
            throw new UpgradeRefused(status);
        }
        // the JDK's client checked this too: a 101 that does not answer this request's key is no WebSocket
        List<String> accept = answer.getOrDefault("Sec-WebSocket-Accept", List.of());
        if (!accept.equals(List.of(accept(key)))) {
            throw new ProtocolException("a 101 whose Sec-WebSocket-Accept " + accept + " does not answer the key " + key);
        }
    }

    /** The {@code Sec-WebSocket-Accept} that answers {@code key} (RFC 6455 §4.2.2). */
    private static String accept(String key) {
        try {
            return Base64.getEncoder().encodeToString(MessageDigest.getInstance("SHA-1")
                    .digest((key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").getBytes(StandardCharsets.US_ASCII)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The {@code http://} form of a {@code ws://} address, which a cookie store knows. */
    private static URI httpUri(URI uri) {
        return "ws".equals(uri.getScheme()) ? URI.create("http" + uri.toString().substring(2)) : uri;
    }

    /** One line of the upgrade's answer, read a byte at a time. */
    private String line() throws IOException {
        StringBuilder line = new StringBuilder();
        for (int b = in.read(); b != '\n'; b = in.read()) {
            if (b < 0) {
                throw new EOFException("the connection closed in the upgrade's answer: " + line);
            }
            line.append((char) b);
        }
        return line.toString().endsWith("\r") ? line.substring(0, line.length() - 1) : line.toString();
    }

    /** Reads the server's frames on a thread of its own until the connection ends; once only. */
    public void startReading(Listener listener) {
        if (reading.compareAndSet(false, true)) {
            Thread.ofPlatform().daemon().name("test-socket-reader").start(() -> read(listener));
        }
    }

    private void read(Listener listener) {
        ByteArrayOutputStream message = new ByteArrayOutputStream();
        int messageOpcode = TEXT;
        try {
            while (true) {
                int first = in.read();
                int second = in.read();
                if (first < 0 || second < 0) {
                    listener.onClose(1006, ""); // gone without a close frame, as the JDK's client reports it
                    return;
                }
                long length = second & 0x7f;
                if (length == 126) {
                    length = ((long) in.read() << 8) | in.read();
                } else if (length == 127) {
                    length = 0;
                    for (int i = 0; i < 8; i++) {
                        length = (length << 8) | in.read();
                    }
                }
                if ((second & 0x80) != 0 || length > Integer.MAX_VALUE - 8) {
                    throw new ProtocolException("a masked or impossible frame from the server: " + second + ", " + length);
                }
                byte[] payload = in.readNBytes((int) length);
                if (payload.length < length) {
                    throw new EOFException("the connection closed in a frame");
                }
                boolean fin = (first & 0x80) != 0;
                int opcode = first & 0x0f;
                switch (opcode) {
                    case CONTINUATION, TEXT, BINARY -> {
                        if (opcode != CONTINUATION) {
                            messageOpcode = opcode;
                        }
                        message.writeBytes(payload);
                        if (fin) {
                            byte[] whole = message.toByteArray();
                            message.reset();
                            if (messageOpcode == TEXT) {
                                listener.onText(UTF_8.newDecoder().decode(ByteBuffer.wrap(whole)).toString());
                            } else {
                                listener.onBinary(whole);
                            }
                        }
                    }
                    case CLOSE -> {
                        int code = payload.length < 2 ? 1005 : ((payload[0] & 0xff) << 8) | (payload[1] & 0xff);
                        String reason = payload.length <= 2 ? "" : new String(payload, 2, payload.length - 2, UTF_8);
                        listener.onClose(code, reason);
                        try {
                            sendClose(code == 1005 ? 1000 : code, ""); // the answer to the server's close, unless ours went
                        } catch (IOException gone) {
                            // the server may end the connection once it sent its close
                        }
                        closeQuietly(socket);
                        return;
                    }
                    case PING -> {
                        send(PONG, payload, true);
                        listener.onPing(payload);
                    }
                    case PONG -> listener.onPong(payload);
                    default -> throw new ProtocolException("an unknown opcode from the server: " + opcode);
                }
            }
        } catch (IOException | RuntimeException e) {
            listener.onError(e);
            closeQuietly(socket);
        }
    }

    /**
     * Writes one masked frame; a data frame fails once this side's close frame went, a close or a
     * pong is then not sent.
     */
    public void send(int opcode, byte[] payload, boolean fin) throws IOException {
        sending.lock();
        try {
            if (outputClosed) {
                if (opcode == CLOSE || opcode == PONG) {
                    return;
                }
                throw new IOException("the socket's output is closed");
            }
            ByteArrayOutputStream frame = new ByteArrayOutputStream(payload.length + 14);
            frame.write((fin ? 0x80 : 0) | opcode);
            if (payload.length < 126) {
                frame.write(0x80 | payload.length);
            } else if (payload.length < 1 << 16) {
                frame.write(0x80 | 126);
                frame.write(payload.length >> 8);
                frame.write(payload.length & 0xff);
            } else {
                frame.write(0x80 | 127);
                for (int shift = 56; shift >= 0; shift -= 8) {
                    frame.write((int) ((long) payload.length >> shift & 0xff));
                }
            }
            byte[] mask = new byte[4];
            ThreadLocalRandom.current().nextBytes(mask);
            frame.writeBytes(mask);
            for (int i = 0; i < payload.length; i++) {
                frame.write(payload[i] ^ mask[i & 3]);
            }
            out.write(frame.toByteArray());
            out.flush();
            if (opcode == CLOSE) {
                outputClosed = true;
            }
        } finally {
            sending.unlock();
        }
    }

    /** Sends a close frame with {@code code} and {@code reason}. */
    public void sendClose(int code, String reason) throws IOException {
        byte[] text = reason.getBytes(UTF_8);
        byte[] payload = new byte[2 + text.length];
        payload[0] = (byte) (code >> 8);
        payload[1] = (byte) code;
        System.arraycopy(text, 0, payload, 2, text.length);
        send(CLOSE, payload, true);
    }

    /** Drops the connection without a close frame. */
    public void abort() {
        closeQuietly(socket);
    }

    private static void closeQuietly(Socket socket) {
        try {
            socket.close();
        } catch (IOException e) {
            // closed already
        }
    }
}
