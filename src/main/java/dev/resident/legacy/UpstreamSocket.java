package dev.resident.legacy;

import dev.resident.web.FrameHeader;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.Base64;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The tunnel's WebSocket client towards the legacy socket server (RFC 6455), over a plain socket
 * on virtual threads. Not Java's {@code java.net.http.WebSocket}: that client (JDK 25) now and then
 * drops a buffer of what arrives right after the {@code 101}, so a legacy server that sends as
 * soon as a socket opens had messages cut or filled with later bytes (docs/legacy.md). Here the
 * answer's head is read a byte at a time, nothing past it, and everything after it goes to the
 * frame reader.
 *
 * <p>A reader thread hands each frame to the {@link Listener} and reads the next only once the
 * listener returns, so a slow browser slows the legacy side down; a frame is handed over in parts
 * of at most {@link #PART_BYTES}, so it takes no more memory than that however long it is. Pings
 * are answered here and passed on. Writes take turns under one lock; a write the legacy side does
 * not take within the send timeout aborts the connection ({@link #abortIfStuck}).
 */
final class UpstreamSocket {
    /** The most of a frame's payload handed to the listener at once. */
    static final int PART_BYTES = 16 * 1024;
    private static final String ACCEPT_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
    /** The most the answer's head may hold, its lines together. */
    private static final int MAX_HEAD_BYTES = 16 * 1024;
    private static final int CONTINUATION = 0x0;
    private static final int TEXT = 0x1;
    private static final int BINARY = 0x2;
    private static final int CLOSE = 0x8;
    private static final int PING = 0x9;
    private static final int PONG = 0xA;
    /** A client's frame carries a four-byte mask key after its header. */
    private static final int MASK_KEY = 4;

    /** What the legacy side sends, called on the reader thread, one call at a time. */
    interface Listener {
        void onText(String text, boolean last);

        void onBinary(byte[] bytes, boolean last);

        void onPing(byte[] payload);

        void onPong(byte[] payload);

        /** The legacy side closed with {@code code} (1005 when its close frame had none). */
        void onClose(int code, String reason);

        /** The connection broke or the legacy side broke the protocol: no close frame came. */
        void onError(Throwable error);
    }

    private final Socket socket;
    private final DataInputStream in;
    private final OutputStream out;
    private final ReentrantLock writes = new ReentrantLock();
    private final AtomicBoolean outputClosed = new AtomicBoolean();
    /** The legacy side's close frame came: once ours is sent too, the connection ends. */
    private volatile boolean inputClosed;
    private final Duration sendTimeout;
    /** When the write under way began ({@link System#nanoTime}), or 0 when none is. */
    private volatile long writingSince;
    private final CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);
    /** Whether the next data frame continues a message sent in parts (under {@link #writes}). */
    private boolean continuing;
    /** What the answer's head held so far (the handshake's alone). */
    private int headBytes;
    /** When the handshake must be over ({@link System#nanoTime}): a server that drips its head is cut. */
    private long handshakeDeadline;
    /** Bytes of a character cut by the end of a part, carried to the next (the reader's alone). */
    private ByteBuffer undecoded = ByteBuffer.allocate(0);

    private UpstreamSocket(Socket socket, InputStream in, Duration sendTimeout) throws IOException {
        this.socket = socket;
        this.in = new DataInputStream(in);
        this.out = socket.getOutputStream();
        this.sendTimeout = sendTimeout;
    }

    /**
     * Opens the socket: the handshake within {@code connectTimeout}, then the reader thread.
     *
     * @param uri     {@code ws://host:port/path?query}
     * @param headers request headers besides the handshake's own
     * @throws IOException when the server cannot be reached or does not switch to WebSocket
     */
    static UpstreamSocket open(URI uri, Map<String, String> headers, Duration connectTimeout, Duration sendTimeout,
                               Listener listener) throws IOException {
        Socket socket = new Socket();
        try {
            socket.setTcpNoDelay(true);
            int port = uri.getPort() < 0 ? 80 : uri.getPort();
            socket.connect(new InetSocketAddress(uri.getHost(), port), (int) connectTimeout.toMillis());
            socket.setSoTimeout((int) connectTimeout.toMillis());
            InputStream in = new BufferedInputStream(socket.getInputStream());
            UpstreamSocket upstream = new UpstreamSocket(socket, in, sendTimeout);
            upstream.handshakeDeadline = System.nanoTime() + connectTimeout.toNanos();
            upstream.handshake(uri, port, headers);
            socket.setSoTimeout(0);
            Thread.ofVirtual().name("legacy-socket-reader").start(() -> upstream.read(listener));
            return upstream;
        } catch (IOException | RuntimeException e) {
            socket.close();
            throw e;
        }
    }

    private void handshake(URI uri, int port, Map<String, String> headers) throws IOException {
        byte[] nonce = new byte[16];
        ThreadLocalRandom.current().nextBytes(nonce);
        String key = Base64.getEncoder().encodeToString(nonce);
        String target = uri.getRawPath() + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery());
        StringBuilder request = new StringBuilder("GET ").append(target.isEmpty() ? "/" : target).append(" HTTP/1.1\r\n")
                .append("Host: ").append(uri.getHost()).append(':').append(port).append("\r\n")
                .append("Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n")
                .append("Sec-WebSocket-Key: ").append(key).append("\r\n");
        headers.forEach((name, value) -> request.append(name).append(": ").append(value).append("\r\n"));
        out.write(request.append("\r\n").toString().getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
        String status = headLine();
        String accept = null;
        for (String line = headLine(); !line.isEmpty(); line = headLine()) {
            int colon = line.indexOf(':');
            if (colon > 0 && line.substring(0, colon).trim().toLowerCase(Locale.ROOT).equals("sec-websocket-accept")) {
                accept = line.substring(colon + 1).trim();
            }
        }
        if (!status.startsWith("HTTP/1.1 101")) {
            throw new IOException("the legacy socket server answered " + status);
        }
        if (!expectedAccept(key).equals(accept)) {
            throw new IOException("the legacy socket server answered a wrong Sec-WebSocket-Accept");
        }
    }

    /** One line of the answer's head, read a byte at a time: what follows the head is the reader's. */
    private String headLine() throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        int read;
        while ((read = in.read()) != '\n') {
            if (read < 0) {
                throw new IOException("the legacy socket server closed during the handshake");
            }
            if (++headBytes > MAX_HEAD_BYTES || System.nanoTime() - handshakeDeadline > 0) {
                throw new IOException("the legacy socket server's answer head is too long or too slow");
            }
            line.write(read);
        }
        String text = line.toString(StandardCharsets.ISO_8859_1);
        return text.endsWith("\r") ? text.substring(0, text.length() - 1) : text;
    }

    private static String expectedAccept(String key) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-1").digest((key + ACCEPT_GUID).getBytes(StandardCharsets.ISO_8859_1));
            return Base64.getEncoder().encodeToString(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-1 is part of every JDK", e);
        }
    }

    private void read(Listener listener) {
        int messageType = -1; // the opcode of the message whose continuations come, or -1
        try {
            while (true) {
                int first = in.readUnsignedByte();
                int second = in.readUnsignedByte();
                boolean fin = (first & 0x80) != 0;
                int opcode = first & 0x0F;
                if ((first & 0x70) != 0 || (second & 0x80) != 0) {
                    throw new ProtocolError("reserved bits or a masked frame from the server");
                }
                long length = second & 0x7F;
                if (length == 126) {
                    length = in.readUnsignedShort();
                } else if (length == 127) {
                    length = in.readLong();
                    if (length < 0) {
                        throw new ProtocolError("a frame length past 2^63");
                    }
                }
                if (opcode >= CLOSE) {
                    if (!fin || length > 125) {
                        throw new ProtocolError("a fragmented or long control frame");
                    }
                    byte[] payload = in.readNBytes((int) length);
                    if (payload.length < length) {
                        throw new IOException("the legacy socket server closed mid-frame");
                    }
                    if (control(listener, opcode, payload)) {
                        return;
                    }
                    continue;
                }
                int type = opcode == CONTINUATION ? messageType : opcode;
                if (type != TEXT && type != BINARY || opcode != CONTINUATION && messageType != -1) {
                    throw new ProtocolError("frame " + opcode + " out of order");
                }
                messageType = fin ? -1 : type;
                deliver(listener, type, length, fin);
            }
        } catch (ProtocolError e) {
            sendClose(1002, "");
            abort();
            listener.onError(e);
        } catch (IOException | RuntimeException e) {
            abort();
            listener.onError(e);
        }
    }

    /** Hands a data frame's payload over in parts; the last part of a final frame ends the message. */
    private void deliver(Listener listener, int type, long length, boolean fin) throws IOException {
        long left = length;
        do {
            int size = (int) Math.min(left, PART_BYTES);
            byte[] part = in.readNBytes(size);
            if (part.length < size) {
                throw new IOException("the legacy socket server closed mid-frame");
            }
            left -= size;
            boolean last = fin && left == 0;
            if (type == TEXT) {
                listener.onText(decode(part, last), last);
            } else {
                listener.onBinary(part, last);
            }
        } while (left > 0);
    }

    /** UTF-8 of one part, a character cut by its end carried to the next part of the message. */
    private String decode(byte[] part, boolean last) throws ProtocolError {
        ByteBuffer bytes = ByteBuffer.allocate(undecoded.remaining() + part.length).put(undecoded).put(part).flip();
        CharBuffer chars = CharBuffer.allocate(bytes.remaining());
        CoderResult result = decoder.decode(bytes, chars, last);
        if (result.isError() || last && (decoder.flush(chars).isError() || bytes.hasRemaining())) {
            throw new ProtocolError("a text frame that is not UTF-8");
        }
        undecoded = bytes.slice();
        if (last) {
            decoder.reset();
        }
        return chars.flip().toString();
    }

    /** A control frame; true when it was the close that ends the reading. */
    private boolean control(Listener listener, int opcode, byte[] payload) throws ProtocolError {
        switch (opcode) {
            case PING -> {
                sendPong(payload); // answered here, at once, and passed on
                listener.onPing(payload);
            }
            case PONG -> listener.onPong(payload);
            case CLOSE -> {
                int code = 1005;
                String reason = "";
                if (payload.length == 1) {
                    throw new ProtocolError("a close frame of one byte");
                }
                if (payload.length >= 2) {
                    code = ((payload[0] & 0xFF) << 8) | (payload[1] & 0xFF);
                    try {
                        reason = StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(payload, 2, payload.length - 2))
                                .toString();
                    } catch (CharacterCodingException e) {
                        throw new ProtocolError("a close reason that is not UTF-8");
                    }
                }
                inputClosed = true;
                listener.onClose(code, reason);
                if (outputClosed.get()) {
                    abort(); // both close frames went: the handshake is over
                }
                return true;
            }
            default -> throw new ProtocolError("unknown opcode " + opcode);
        }
        return false;
    }

    void sendText(String text, boolean last) throws IOException {
        send(TEXT, text.getBytes(StandardCharsets.UTF_8), last, true);
    }

    void sendBinary(byte[] bytes, boolean last) throws IOException {
        send(BINARY, bytes, last, true);
    }

    void sendPing(byte[] payload) throws IOException {
        send(PING, payload, true, false);
    }

    void sendPong(byte[] payload) {
        try {
            send(PONG, payload, true, false);
        } catch (IOException e) {
            abort();
        }
    }

    /** Sends a close frame (once); the connection ends when the legacy side answers or is cut. */
    void sendClose(int code, String reason) {
        byte[] text = reason.getBytes(StandardCharsets.UTF_8);
        byte[] payload = new byte[2 + text.length];
        payload[0] = (byte) (code >> 8);
        payload[1] = (byte) code;
        System.arraycopy(text, 0, payload, 2, text.length);
        writes.lock();
        try {
            if (outputClosed.compareAndSet(false, true)) {
                write(CLOSE, payload, true);
                if (inputClosed) {
                    abort(); // the answer to the legacy side's close: the handshake is over
                }
            }
        } catch (IOException e) {
            abort();
        } finally {
            writes.unlock();
        }
    }

    boolean isOutputClosed() {
        return outputClosed.get();
    }

    /** Ends the connection at once, without a close frame. */
    void abort() {
        outputClosed.set(true);
        try {
            socket.close();
        } catch (IOException e) {
            // closed anyway
        }
    }

    private void send(int opcode, byte[] payload, boolean fin, boolean data) throws IOException {
        writes.lock();
        try {
            if (outputClosed.get()) {
                throw new IOException("the legacy socket is closed");
            }
            int sent = opcode;
            if (data) {
                sent = continuing ? CONTINUATION : opcode;
                continuing = !fin;
            }
            write(sent, payload, fin);
        } finally {
            writes.unlock();
        }
    }

    /** One masked frame, in one write; a legacy side that does not take it in time is cut off. */
    private void write(int opcode, byte[] payload, boolean fin) throws IOException {
        byte[] frame = new byte[FrameHeader.length(payload.length) + MASK_KEY + payload.length];
        int at = FrameHeader.write(frame, 0, (fin ? FrameHeader.FIN : 0) | opcode, payload.length, true);
        byte[] mask = new byte[MASK_KEY];
        ThreadLocalRandom.current().nextBytes(mask);
        System.arraycopy(mask, 0, frame, at, MASK_KEY);
        at += MASK_KEY;
        for (int i = 0; i < payload.length; i++) {
            frame[at + i] = (byte) (payload[i] ^ mask[i & 3]);
        }
        writingSince = System.nanoTime() | 1; // never 0: 0 says no write is under way
        try {
            out.write(frame);
            out.flush();
        } finally {
            writingSince = 0;
        }
    }

    /**
     * Cuts the connection when a write has waited longer than the send timeout: the blocked write
     * then fails. {@link LegacySockets} asks every open tunnel in turn, from the process's timers.
     */
    void abortIfStuck(long now) {
        long since = writingSince;
        if (since != 0 && now - since > sendTimeout.toNanos()) {
            abort();
        }
    }

    /** The legacy side broke RFC 6455: answered with 1002 and cut. */
    private static final class ProtocolError extends IOException {
        private static final long serialVersionUID = 1L;

        ProtocolError(String message) {
            super(message);
        }
    }
}
