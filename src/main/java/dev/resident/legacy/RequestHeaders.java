package dev.resident.legacy;

import dev.resident.web.RawTarget;
import dev.resident.web.TrustedProxies;
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
 * authorization included) without hop-by-hop headers, {@code Expect}, {@code rsd_cid}, names with
 * {@code _}, the client's framing ({@code Content-Length}, {@code Transfer-Encoding}) and its own
 * {@code X-Real-IP} / {@code Forwarded} / {@code X-Forwarded-Port} / {@code -Prefix}, plus
 * {@code X-Forwarded-For} (the client's address appended), {@code X-Real-IP},
 * {@code X-Forwarded-Proto}, {@code X-Forwarded-Host} and the {@code Content-Length} the client
 * declared ({@link LegacyProxy} sets the length of a body it received chunked).
 */
final class RequestHeaders {
    private static final HeaderName X_REAL_IP = HeaderNames.create("X-Real-IP");
    /** Set below from the request; {@code Expect} because Resident answers {@code 100 Continue} itself. */
    private static final Set<HeaderName> HANDLED_HERE = Set.of(HeaderNames.EXPECT, HeaderNames.COOKIE,
            HeaderNames.X_FORWARDED_FOR, HeaderNames.X_FORWARDED_PROTO, HeaderNames.X_FORWARDED_HOST,
            HeaderNames.X_FORWARDED_PORT, HeaderNames.X_FORWARDED_PREFIX, HeaderNames.FORWARDED, X_REAL_IP,
            // the body's framing is Resident's own: the length it received
            HeaderNames.CONTENT_LENGTH, HeaderNames.TRANSFER_ENCODING,
            // Resident's internal copy of a non-ASCII request target (web.RawTarget)
            RawTarget.HEADER);

    private RequestHeaders() {
    }

    /** @param proxies the balancers whose {@code X-Forwarded-For} is passed on; anyone else's is replaced */
    static void forward(ServerRequest req, ClientRequestHeaders out, TrustedProxies proxies) {
        ServerRequestHeaders in = req.headers();
        Set<HeaderName> hopByHop = HopByHop.in(in);
        for (Header header : in) {
            HeaderName name = header.headerName();
            // WSGI turns '-' and '_' alike into '_' (HTTP_X_FORWARDED_HOST): a name with '_'
            // would pass as, or merge with, one that Resident sets or checked
            if (!hopByHop.contains(name) && !HANDLED_HERE.contains(name) && name.lowerCase().indexOf('_') < 0) {
                out.set(header);
            }
        }
        SessionCookie.strip(in.all(HeaderNames.COOKIE, List::of)).ifPresent(cookie -> out.set(HeaderNames.COOKIE, cookie));
        out.set(HeaderNames.X_FORWARDED_FOR, proxies.forwardedFor(req.remotePeer().address(), in));
        out.set(X_REAL_IP, address(req.remotePeer().address()));
        in.contentLength().ifPresent(length -> out.set(HeaderNames.CONTENT_LENGTH, Long.toString(length)));
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
