package dev.resident.legacy;

import io.helidon.common.tls.Tls;
import io.helidon.common.uri.UriInfo;
import io.helidon.common.uri.UriPath;
import io.helidon.http.Method;
import io.helidon.http.encoding.ContentEncodingContext;
import io.helidon.webclient.api.ClientUri;
import io.helidon.webclient.api.ConnectionKey;
import io.helidon.webclient.api.HttpClientConfig;
import io.helidon.webclient.api.Proxy;
import io.helidon.webclient.api.TcpClientConnection;
import io.helidon.webclient.api.WebClient;
import io.helidon.webclient.http1.Http1Client;
import io.helidon.webclient.http1.Http1ClientRequest;

import java.util.List;

/**
 * The legacy app at the other end of the bridge, reached with Helidon's blocking {@link WebClient}
 * on the request's own virtual thread. Each forwarded request gets a fresh connection that the
 * caller closes when done, as nginx's default {@code proxy_pass} does: an aborted exchange never
 * leaves a half-used connection behind, and no pooled connection goes stale while gunicorn's
 * short keep-alive expires.
 */
final class Upstream {
    private final WebClient client;
    private final Http1Client http1;
    private final ConnectionKey key;
    private final String host;
    private final int port;

    Upstream(LegacySettings settings) {
        this.host = settings.upstream().getHost();
        this.port = settings.upstream().getPort() < 0 ? 80 : settings.upstream().getPort();
        this.client = WebClient.builder()
                .connectTimeout(settings.connectTimeout())
                .readTimeout(settings.timeout())
                .proxy(Proxy.noProxy())
                // the browser follows the legacy app's redirects and keeps its cookies, not Resident
                .followRedirects(false)
                .cookieManager(cookies -> cookies.automaticStoreEnabled(false))
                // bodies pass as sent: a gzip answer stays gzip with its Content-Encoding
                .contentEncoding(ContentEncodingContext.create(encoding -> encoding.contentEncodingsDiscoverServices(false)))
                .sendExpectContinue(false)
                .servicesDiscoverServices(false)
                .build();
        this.http1 = client.client(Http1Client.PROTOCOL);
        HttpClientConfig config = client.prototype();
        this.key = ConnectionKey.create("http", host, port, Tls.builder().enabled(false).build(),
                config.dnsResolver(), config.dnsAddressLookup(), Proxy.noProxy());
    }

    /**
     * Opens a connection to the legacy app; the caller closes it.
     *
     * @throws java.io.UncheckedIOException when it cannot be reached within the connect timeout
     */
    TcpClientConnection connect() {
        // released means closed: the connection never goes back to a pool
        return TcpClientConnection.create(client, key, List.of(), released -> false, closed -> { }).connect();
    }

    /**
     * A request on {@code connection} for {@code target}, the path and query as the client wrote
     * them ({@link RequestTarget#upstream()}).
     */
    Http1ClientRequest request(TcpClientConnection connection, Method method, String target) {
        // Helidon's URI helpers would decode and re-encode the path and regroup the query by
        // name; as the raw path of a UriPath the request target goes out byte for byte
        ClientUri uri = ClientUri.create(UriInfo.builder()
                .scheme("http").host(host).port(port).path(UriPath.create(target)).build());
        return http1.method(method).connection(connection).uri(uri);
    }
}
