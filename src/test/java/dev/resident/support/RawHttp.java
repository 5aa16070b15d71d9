package dev.resident.support;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * One client connection that writes bytes exactly as given (misframed requests, pipelined
 * requests, raw WebSocket frames) and reads HTTP answers and WebSocket frames back, each with a
 * deadline.
 */
public final class RawHttp implements AutoCloseable {
    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;

    public RawHttp(URI server) {
        this(server, 0);
    }

    /**
     * @param receiveBuffer the socket's receive buffer in bytes, set before connecting (a client
     *                      that reads late then holds little), or 0 for the system's default
     */
    public RawHttp(URI server, int receiveBuffer) {
        this(server, receiveBuffer, null);
    }

    /** A connection from {@code local} (another loopback address: another client), or the default when null. */
    public RawHttp(URI server, java.net.InetAddress local) {
        this(server, 0, local);
    }

    private RawHttp(URI server, int receiveBuffer, java.net.InetAddress local) {
        try {
            this.socket = new Socket();
            if (receiveBuffer > 0) {
                socket.setReceiveBufferSize(receiveBuffer);
            }
            if (local != null) {
                socket.bind(new java.net.InetSocketAddress(local, 0));
            }
            socket.connect(new java.net.InetSocketAddress(server.getHost(), server.getPort()), 5_000);
            socket.setSoTimeout(5_000);
            this.in = socket.getInputStream();
            this.out = socket.getOutputStream();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Writes {@code text} as ISO-8859-1 bytes. */
    public RawHttp send(String text) {
        return send(text.getBytes(StandardCharsets.ISO_8859_1));
    }

    public RawHttp send(byte[] bytes) {
        try {
            out.write(bytes);
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return this;
    }

    /**
     * Upgrades to a WebSocket at {@code target} (path and query) with {@code cookie} (a
     * {@code Cookie} header value, or null) and fails unless the server switches protocols.
     */
    public RawHttp webSocket(String target, String cookie) {
        byte[] key = new byte[16];
        ThreadLocalRandom.current().nextBytes(key);
        send("GET " + target + " HTTP/1.1\r\nHost: " + socket.getInetAddress().getHostAddress() + ":" + socket.getPort()
                + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: "
                + java.util.Base64.getEncoder().encodeToString(key) + "\r\n"
                + (cookie == null ? "" : "Cookie: " + cookie + "\r\n") + "\r\n");
        Answer answer = answer();
        if (answer.status() != 101) {
            throw new AssertionError("upgrade refused: " + answer);
        }
        return this;
    }

    /** Half-closes: the server reads end of stream after what was sent. */
    public void shutdownOutput() {
        try {
            socket.shutdownOutput();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The next HTTP answer (its body framed by {@code Content-Length} or chunked), within {@code timeout}. */
    public Answer answer(Duration timeout) {
        Received received = received(timeout);
        return new Answer(received.status, received.headers, new String(received.body, StandardCharsets.UTF_8));
    }

    /** The next HTTP answer's status and the bytes of its body, within {@code timeout} (each read). */
    public Map.Entry<Integer, byte[]> answerBytes(Duration timeout) {
        Received received = received(timeout);
        return Map.entry(received.status, received.body);
    }

    private record Received(int status, Map<String, String> headers, byte[] body) {
    }

    private Received received(Duration timeout) {
        setTimeout(timeout);
        try {
            String statusLine = line();
            if (statusLine == null) {
                throw new IllegalStateException("connection closed before an answer");
            }
            Map<String, String> headers = new LinkedHashMap<>();
            for (String header = line(); header != null && !header.isEmpty(); header = line()) {
                int colon = header.indexOf(':');
                headers.merge(header.substring(0, colon).trim().toLowerCase(Locale.ROOT),
                        header.substring(colon + 1).trim(), (a, b) -> a + ", " + b);
            }
            int status = Integer.parseInt(statusLine.split(" ")[1]);
            byte[] body;
            if (headers.containsKey("content-length")) {
                body = in.readNBytes(Integer.parseInt(headers.get("content-length")));
            } else if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
                body = chunked();
            } else {
                body = new byte[0];
            }
            return new Received(status, headers, body);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public Answer answer() {
        return answer(Duration.ofSeconds(5));
    }

    /** True when the server closes the connection within {@code timeout} without sending another byte. */
    public boolean closedWithoutMore(Duration timeout) {
        setTimeout(timeout);
        try {
            return in.read() < 0;
        } catch (SocketTimeoutException e) {
            return false;
        } catch (IOException e) {
            return true; // reset by the server
        }
    }

    /** Writes one masked client frame. */
    public void frame(int opcode, byte[] payload) {
        send(maskedFrame(opcode, payload));
    }

    /**
     * The bytes of one masked client frame, for a caller that writes several in one go (each write
     * of its own would wait for the server's delayed ACK of the one before: Nagle's algorithm).
     */
    public static byte[] maskedFrame(int opcode, byte[] payload) {
        ByteArrayOutputStream frame = new ByteArrayOutputStream();
        frame.write(0x80 | opcode);
        if (payload.length < 126) {
            frame.write(0x80 | payload.length);
        } else {
            frame.write(0x80 | 126);
            frame.write(payload.length >> 8);
            frame.write(payload.length & 0xff);
        }
        byte[] mask = new byte[4];
        ThreadLocalRandom.current().nextBytes(mask);
        frame.writeBytes(mask);
        for (int i = 0; i < payload.length; i++) {
            frame.write(payload[i] ^ mask[i % 4]);
        }
        return frame.toByteArray();
    }

    /**
     * The head of a client frame of {@code length} payload bytes, masked with zeros (so its payload
     * goes as it is): for a frame sent in parts, or never finished.
     */
    public static byte[] frameHead(int opcode, boolean fin, long length) {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        head.write((fin ? 0x80 : 0) | opcode);
        if (length < 126) {
            head.write(0x80 | (int) length);
        } else if (length < 1 << 16) {
            head.write(0x80 | 126);
            head.write((int) (length >> 8));
            head.write((int) (length & 0xff));
        } else {
            head.write(0x80 | 127);
            for (int shift = 56; shift >= 0; shift -= 8) {
                head.write((int) (length >> shift & 0xff));
            }
        }
        head.writeBytes(new byte[4]);
        return head.toByteArray();
    }

    /** The next server frame within {@code timeout}. */
    public Frame readFrame(Duration timeout) {
        setTimeout(timeout);
        try {
            int first = in.read();
            int second = in.read();
            if (first < 0 || second < 0) {
                throw new IllegalStateException("connection closed before a frame");
            }
            long length = second & 0x7f;
            if (length == 126) {
                length = (in.read() << 8) | in.read();
            } else if (length == 127) {
                length = 0;
                for (int i = 0; i < 8; i++) {
                    length = (length << 8) | in.read();
                }
            }
            return new Frame(first & 0x0f, in.readNBytes((int) length));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        try {
            socket.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private byte[] chunked() throws IOException {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        for (int size = Integer.parseInt(line().trim(), 16); size > 0; size = Integer.parseInt(line().trim(), 16)) {
            body.writeBytes(in.readNBytes(size));
            line();
        }
        line();
        return body.toByteArray();
    }

    private String line() throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        for (int b = in.read(); b >= 0; b = in.read()) {
            if (b == '\n') {
                String text = line.toString(StandardCharsets.ISO_8859_1);
                return text.endsWith("\r") ? text.substring(0, text.length() - 1) : text;
            }
            line.write(b);
        }
        return line.size() == 0 ? null : line.toString(StandardCharsets.ISO_8859_1);
    }

    private void setTimeout(Duration timeout) {
        try {
            socket.setSoTimeout((int) timeout.toMillis());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** An HTTP answer; header names in lower case, repeated headers joined with {@code ", "}. */
    public record Answer(int status, Map<String, String> headers, String body) {
    }

    /** A WebSocket frame; for a close frame {@link #closeCode()} is its status code. */
    public record Frame(int opcode, byte[] payload) {
        public static final int TEXT = 1;
        public static final int CLOSE = 8;
        public static final int PING = 9;

        public int closeCode() {
            return payload.length < 2 ? 1005 : ((payload[0] & 0xff) << 8) | (payload[1] & 0xff);
        }

        public String text() {
            return new String(payload, StandardCharsets.UTF_8);
        }
    }
}
