package dev.resident.web;

import io.helidon.http.HeaderName;
import io.helidon.http.HeaderNames;
import io.helidon.http.HeaderValues;
import io.helidon.webserver.http.ServerResponse;

/**
 * The headers of Resident's own pages (the demo at {@code /}, the admin view): no MIME sniffing,
 * never framed by another site (clickjacking), and a CSP that allows only the server's own
 * scripts, styles, images and connections (the page WebSocket included), no plugins, no inline
 * script. Inline style attributes stay allowed: the pages set a few.
 */
final class SecurityHeaders {
    static final String CSP = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
            + "img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; "
            + "form-action 'self'; frame-ancestors 'none'";
    private static final HeaderName CONTENT_SECURITY_POLICY = HeaderNames.create("Content-Security-Policy");
    private static final HeaderName X_FRAME_OPTIONS = HeaderNames.create("X-Frame-Options");
    /** {@code Cache-Control: no-store}, its bytes made once. */
    private static final io.helidon.http.Header NO_STORE = HeaderValues.create(HeaderNames.CACHE_CONTROL, "no-store");

    private SecurityHeaders() {
    }

    /** On every answer of Resident's own: the body is never sniffed into another type. */
    static void noSniff(ServerResponse res) {
        res.header(HeaderValues.X_CONTENT_TYPE_OPTIONS_NOSNIFF); // one header made once, its bytes too
    }

    /**
     * On every JSON answer of the API: what it holds (a page's data, a call's result, what the page
     * was sent) is one session's, never to be kept by a browser's or a proxy's cache.
     */
    static void noStore(ServerResponse res) {
        res.header(NO_STORE);
    }

    /** On an HTML page of Resident's own. */
    static void page(ServerResponse res) {
        noSniff(res);
        res.header(X_FRAME_OPTIONS, "DENY");
        res.header(CONTENT_SECURITY_POLICY, CSP);
    }
}
