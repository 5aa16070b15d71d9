package dev.resident.web;

import io.helidon.http.Headers;

import java.net.SocketAddress;
import java.util.Optional;

/** {@link SocketAdmission} through the front's {@link Admission}, keyed like a page socket. */
final class OtherSocketAdmission implements SocketAdmission {
    private final Admission admission;
    private final TrustedProxies proxies;

    OtherSocketAdmission(Admission admission, TrustedProxies proxies) {
        this.admission = admission;
        this.proxies = proxies;
    }

    @Override
    public Optional<String> admit(SocketAddress peer, Headers headers) {
        String address = ClientAddress.key(proxies.clientAddress(peer, headers)); // an IPv6 client by its /64
        try {
            admission.admitOtherSocket(address);
            return Optional.of(address);
        } catch (ApiError refused) {
            return Optional.empty();
        }
    }

    @Override
    public void release(String address) {
        admission.otherSocketClosed(address);
    }
}
