package dev.resident.legacy;

import io.helidon.http.HeaderName;
import io.helidon.http.HeaderNames;
import io.helidon.http.Headers;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Headers that describe one connection, not the message (RFC 9110 §7.6.1): a proxy drops them
 * both ways, with every header the {@code Connection} header names.
 */
final class HopByHop {
    private static final Set<HeaderName> ALWAYS = Set.of(
            HeaderNames.CONNECTION,
            HeaderNames.create("Keep-Alive"),
            HeaderNames.create("Proxy-Connection"),
            HeaderNames.PROXY_AUTHENTICATE,
            HeaderNames.PROXY_AUTHORIZATION,
            HeaderNames.TE,
            HeaderNames.TRAILER,
            HeaderNames.TRANSFER_ENCODING,
            HeaderNames.UPGRADE);

    private HopByHop() {
    }

    /** The names to drop from {@code headers}. */
    static Set<HeaderName> in(Headers headers) {
        Set<HeaderName> names = new HashSet<>(ALWAYS);
        for (String value : headers.all(HeaderNames.CONNECTION, List::of)) {
            for (String token : value.split(",")) {
                if (!token.isBlank()) {
                    names.add(HeaderNames.create(token.trim()));
                }
            }
        }
        return names;
    }
}
