/*
 * Copyright (c) 2022, 2025 Oracle and/or its affiliates.
 *
 * Licensed under the Apache License, Version 2.0 (the "License");
 * you may not use this file except in compliance with the License.
 * You may obtain a copy of the License at
 *
 *     http://www.apache.org/licenses/LICENSE-2.0
 *
 * Unless required by applicable law or agreed to in writing, software
 * distributed under the License is distributed on an "AS IS" BASIS,
 * WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
 * See the License for the specific language governing permissions and
 * limitations under the License.
 */

/*
 * Resident's patch of this Helidon 4.5.0 class (helidon-common-socket, same package, so it comes
 * first on the class path from resident.jar). The one change: the 8 KB read buffer is no longer a
 * field that every connection holds for its whole life. A read first blocks on a 512-byte array
 * (what an idle connection's parked reader holds; kept from one read to the next, so a read makes
 * one array, its exact copy, as Helidon's does), then takes whatever else the socket already has,
 * up to the same 8 KB. An idle WebSocket goes from ~14.6 KB to ~7 KB of heap (bench/README,
 * "Idle sockets"). HelidonPatchTest fails when the Helidon on the class path is not the version
 * this copy was taken from, or when this copy is not the one loaded.
 */
package io.helidon.common.socket;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketAddress;
import java.util.Arrays;

import io.helidon.common.buffers.BufferData;

/**
 * Helidon socket that is based on plaintext.
 */
public sealed class PlainSocket implements HelidonSocket permits TlsSocket {
    private static final int BUFFER_LENGTH = 8 * 1024;
    /** What a read blocks on: small, because an idle connection's parked reader holds it. */
    private static final int FIRST_READ_LENGTH = 512;

    private final Socket delegate;
    private final String childSocketId;
    private final String socketId;
    private final IdleInputStream inputStream;
    private final InputStream upstream;
    private final OutputStream outputStream;
    /** What {@link #get} blocks on, made at its first call and kept: the reader thread's alone. */
    private byte[] firstRead;

    /**
     * Plain socket.
     *
     * @param delegate delegate socket
     * @param childSocketId channel id
     * @param socketId  server channel id
     */
    protected PlainSocket(Socket delegate, String childSocketId, String socketId) {
        this.delegate = delegate;
        this.childSocketId = childSocketId;
        this.socketId = socketId;
        try {
            this.upstream = delegate.getInputStream();
            this.inputStream = new IdleInputStream(delegate, upstream, childSocketId, socketId);
            this.outputStream = delegate.getOutputStream();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Create a new server socket.
     *
     * @param delegate underlying socket
     * @param channelId channel id
     * @param serverChannelId server channel id
     * @return a new plain socket
     */
    public static PlainSocket server(Socket delegate, String channelId, String serverChannelId) {
        return new PlainSocket(delegate, channelId, serverChannelId);
    }

    /**
     * Create a new client socket.
     *
     * @param delegate underlying socket
     * @param channelId channel id
     * @return a new plain socket
     */
    public static PlainSocket client(Socket delegate, String channelId) {
        return new PlainSocket(delegate, channelId, "client");
    }

    @Override
    public PeerInfo remotePeer() {
        return PeerInfoImpl.createRemote(this);
    }

    @Override
    public PeerInfo localPeer() {
        return PeerInfoImpl.createLocal(this);
    }

    @Override
    public boolean isSecure() {
        return false;
    }

    @Override
    public String socketId() {
        return socketId;
    }

    @Override
    public String childSocketId() {
        return childSocketId;
    }

    @Override
    public void close() {
        try {
            delegate.shutdownOutput();
            // according to the contract of Socket.getInputStream(), this will also close the socket
            inputStream.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Closes the connection at once with a reset (SO_LINGER 0), dropping what its send buffer still
     * holds (Resident's own addition). A plain close of a socket whose client stopped reading
     * leaves the kernel an orphan that keeps its send buffer (up to 4 MB) for minutes, trying to
     * deliver it; a connection cut for not reading must give that memory back now.
     */
    public void abort() {
        try {
            delegate.setSoLinger(true, 0);
        } catch (IOException e) {
            // closed already: nothing is held
        }
        try {
            // as close() without its shutdownOutput, whose FIN would queue behind what is held
            inputStream.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void idle() {
        inputStream.idle();
    }

    @Override
    public boolean isConnected() {
        return !inputStream.isClosed();
    }

    @Override
    public int read(BufferData buffer) {
        return buffer.readFrom(inputStream);
    }

    @Override
    public void write(BufferData buffer) {
        buffer.writeTo(outputStream);
    }

    @Override
    public byte[] get() {
        try {
            byte[] first = firstRead;
            if (first == null) {
                first = new byte[FIRST_READ_LENGTH];
                firstRead = first;
            }
            int r = inputStream.read(first, 0, first.length);
            if (r == -1) {
                return null; // end of data
            } else if (r == 0) {
                throw new IllegalStateException("Read 0 bytes, this should never happen with blocking socket");
            }
            int waiting = r < first.length ? 0 : Math.min(upstream.available(), BUFFER_LENGTH - r);
            if (waiting <= 0) {
                return Arrays.copyOf(first, r);
            }
            byte[] bytes = Arrays.copyOf(first, r + waiting);
            int more = upstream.read(bytes, r, waiting); // does not block: the bytes are there
            return more == waiting ? bytes : Arrays.copyOf(bytes, r + Math.max(0, more));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    SocketAddress localSocketAddress() {
        return delegate.getLocalSocketAddress();
    }

    SocketAddress remoteSocketAddress() {
        return delegate.getRemoteSocketAddress();
    }

    String localHost() {
        SocketAddress localSocketAddress = localSocketAddress();
        if (localSocketAddress instanceof InetSocketAddress inet) {
            return inet.getHostString();
        }
        throw new IllegalStateException("Local host is not an instance of InetSocketAddress");
    }

    String remoteHost() {
        SocketAddress remoteSocketAddress = delegate.getRemoteSocketAddress();
        if (remoteSocketAddress instanceof InetSocketAddress inet) {
            return inet.getHostString();
        }
        throw new IllegalStateException("Remote host is not an instance of InetSocketAddress");
    }

    int localPort() {
        SocketAddress localSocketAddress = localSocketAddress();
        if (localSocketAddress instanceof InetSocketAddress inet) {
            return inet.getPort();
        }
        throw new IllegalStateException("Local host is not an instance of InetSocketAddress");
    }

    int remotePort() {
        SocketAddress remoteSocketAddress = delegate.getRemoteSocketAddress();
        if (remoteSocketAddress instanceof InetSocketAddress inet) {
            return inet.getPort();
        }
        throw new IllegalStateException("Remote host is not an instance of InetSocketAddress");
    }
}
