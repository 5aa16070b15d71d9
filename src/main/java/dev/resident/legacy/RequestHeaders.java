package dev.resident.legacy;

import io.helidon.common.uri.UriInfo;
import io.helidon.http.ClientRequestHeaders;
import io.helidon.http.Header;
import io.helidon.http.HeaderName;
import io.helidon.http.HeaderNames;
import io.helidon.http.HeaderValues;
import io.helidon.http.ServerRequestHeaders;
import io.helidon.webserver.http.ServerRequest;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.List;
import java.util.Set;

/**
 * The headers the legacy app receives: the client's (its {@code Host}, cookies and
 * authorization included) without hop-by-hop headers, {@code Expect} and {@code rsd_cid}, plus
 * {@code X-Forwarded-For} (the client's address appended), {@code X-Forwarded-Proto} and
 * {@code X-Forwarded-Host}.
 */
final class RequestHeaders {
    /** Set below from the request; {@code Expect} because Resident answers {@code 100 Continue} itself. */
    private static final Set<HeaderName> HANDLED_HERE = Set.of(HeaderNames.EXPECT, HeaderNames.COOKIE,
            HeaderNames.X_FORWARDED_FOR, HeaderNames.X_FORWARDED_PROTO, HeaderNames.X_FORWARDED_HOST);

    private RequestHeaders() {
    }

    static void forward(ServerRequest req, ClientRequestHeaders out) {
        ServerRequestHeaders in = req.headers();
        Set<HeaderName> hopByHop = HopByHop.in(in);
        for (Header header : in) {
            HeaderName name = header.headerName();
            if (!hopByHop.contains(name) && !HANDLED_HERE.contains(name)) {
                out.set(header);
            }
        }
        SessionCookie.strip(in.all(HeaderNames.COOKIE, List::of)).ifPresent(cookie -> out.set(HeaderNames.COOKIE, cookie));
        String before = String.join(", ", in.all(HeaderNames.X_FORWARDED_FOR, List::of));
        String client = address(req.remotePeer().address());
        out.set(HeaderNames.X_FORWARDED_FOR, before.isEmpty() ? client : before + ", " + client);
        // the requested URI honours server.requested-uri-discovery, so a trusted load balancer's view wins
        UriInfo uri = req.requestedUri();
        out.set(HeaderNames.X_FORWARDED_PROTO, uri.scheme());
        out.set(HeaderNames.X_FORWARDED_HOST, host(uri));
        // one connection per request, closed after it: nothing stale is ever reused
        out.set(HeaderValues.CONNECTION_CLOSE);
    }

    private static String address(SocketAddress address) {
        return address instanceof InetSocketAddress inet && inet.getAddress() != null
                ? inet.getAddress().getHostAddress()
                : address.toString();
    }

    private static String host(UriInfo uri) {
        boolean defaultPort = uri.port() == ("https".equals(uri.scheme()) ? 443 : 80);
        return defaultPort ? uri.host() : uri.host() + ":" + uri.port();
    }
}
