package dev.resident.web;

import io.helidon.http.Headers;

import java.net.SocketAddress;
import java.util.Optional;

/** {@link SocketAdmission} through the front's {@link Admission}, keyed like a page socket. */
final class OtherSocketAdmission implements SocketAdmission {
    private final Admission admission;
    private final ClientAddress addresses;

    OtherSocketAdmission(Admission admission, ClientAddress addresses) {
        this.admission = admission;
        this.addresses = addresses;
    }

    @Override
    public Optional<String> admit(SocketAddress peer, Headers headers, OtherSocket socket) {
        String address = addresses.of(peer, headers);
        try {
            admission.admitOtherSocket(address, socket);
            return Optional.of(address);
        } catch (ApiError refused) {
            return Optional.empty();
        }
    }

    @Override
    public void release(String address, OtherSocket socket) {
        admission.otherSocketClosed(address, socket);
    }
}
