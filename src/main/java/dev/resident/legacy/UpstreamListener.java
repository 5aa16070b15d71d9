package dev.resident.legacy;

import io.helidon.common.buffers.BufferData;

/**
 * The legacy side of a {@link SocketTunnel}: each frame from the legacy socket server is written
 * to the browser on the {@link UpstreamSocket}'s reader thread, which reads the next only once it
 * is written, so at most one part of a frame per tunnel waits in memory however slow the browser
 * reads. The legacy side's pings are answered by the {@link UpstreamSocket} and passed on to the
 * browser as well.
 */
final class UpstreamListener implements UpstreamSocket.Listener {
    private final SocketTunnel tunnel;

    UpstreamListener(SocketTunnel tunnel) {
        this.tunnel = tunnel;
    }

    @Override
    public void onText(String text, boolean last) {
        tunnel.toBrowser(() -> tunnel.session().send(text, last));
    }

    @Override
    public void onBinary(byte[] bytes, boolean last) {
        tunnel.toBrowser(() -> tunnel.session().send(BufferData.create(bytes), last));
    }

    @Override
    public void onPing(byte[] payload) {
        tunnel.toBrowser(() -> tunnel.session().ping(BufferData.create(payload)));
    }

    @Override
    public void onPong(byte[] payload) {
        tunnel.toBrowser(() -> tunnel.session().pong(BufferData.create(payload)));
    }

    @Override
    public void onClose(int code, String reason) {
        tunnel.closedByUpstream(code, reason);
    }

    @Override
    public void onError(Throwable error) {
        tunnel.closedByUpstream(1006, "");
    }
}
