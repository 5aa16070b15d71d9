package dev.resident.legacy;

import io.helidon.http.ClientResponseHeaders;
import io.helidon.http.Header;
import io.helidon.http.HeaderName;
import io.helidon.http.HeaderNames;
import io.helidon.http.HeaderValues;
import io.helidon.http.Status;
import io.helidon.webserver.http.ServerResponse;

import java.util.List;
import java.util.Set;

/**
 * The legacy app's status and headers as the client receives them: without hop-by-hop headers
 * (Resident frames the body itself) and without any attempt to set {@code rsd_cid}.
 */
final class ResponseHeaders {
    private ResponseHeaders() {
    }

    static void forward(Status status, ClientResponseHeaders in, ServerResponse out) {
        out.status(status);
        Set<HeaderName> hopByHop = HopByHop.in(in);
        for (Header header : in) {
            HeaderName name = header.headerName();
            if (hopByHop.contains(name) || name.equals(HeaderNames.CONTENT_LENGTH) && !hasBody(status)) {
                continue;
            }
            if (name.equals(HeaderNames.SET_COOKIE)) {
                List<String> cookies = header.allValues().stream().filter(c -> !SessionCookie.isResidents(c)).toList();
                if (!cookies.isEmpty()) {
                    out.header(HeaderValues.create(name, cookies));
                }
            } else {
                out.header(header);
            }
        }
    }

    /** 204, 205 and 304 never carry a body; Helidon refuses to send them with a length. */
    static boolean hasBody(Status status) {
        int code = status.code();
        return code != 204 && code != 205 && code != 304;
    }
}
