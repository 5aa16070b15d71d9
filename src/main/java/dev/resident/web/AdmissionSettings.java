package dev.resident.web;

import java.time.Duration;

/**
 * Caps on what the whole process and one client address may hold ({@code resident.limits}).
 *
 * @param maxConnections        connections (cookies) in the process; a new one beyond: 503
 * @param maxPages              pages in the process; beyond: 503
 * @param maxSockets            open WebSockets in the process; beyond: 503
 * @param perAddress            whether the per-address caps apply
 * @param newConnectionsPerMinute connections one client address may create per minute; beyond: 429
 * @param newPagesPerMinute     pages one client address may open per minute; beyond: 429
 * @param socketsPerAddress     WebSockets one client address may hold open; beyond: 429
 * @param connectionsPerAddress TCP connections one client address may hold open (trusted proxies
 *                              exempt); beyond, a new one is closed unanswered
 * @param stalledWritesPerAddress TCP connections of one client address (trusted proxies exempt)
 *                              whose write has waited for its client longer than
 *                              {@link StalledWrites#AFTER}; beyond, the sweep closes those stalled
 *                              longest
 * @param maxTrackedAddresses   addresses remembered at once (bounds the memory of the caps)
 * @param headerTimeout         a request head not complete this long after its first byte: the
 *                              connection is closed (slowloris)
 * @param bodyTimeout           a request body still coming this long after its reading began, and
 *                              one second more for every {@code bodyMinRate} bytes that came: the
 *                              connection is closed
 * @param bodyMinRate           the bytes a second that keep a body's reading going
 * @param sendTimeout           a write to a client that has taken none of it for this long (an
 *                              answer, a WebSocket frame; written 16 KiB at a time): the connection
 *                              is closed
 * @param slowCall              a page call running longer is logged once with its stack
 * @param bodiesHeapPerAddress  of {@code max-bodies-heap}, what one client address's bodies may hold; beyond: 429
 * @param guestPagesPerAddress  live pages of the guests of one client address; one more: 429
 * @param guestConnectionsPerAddress live guest connections made from one client address; one more: 429
 * @param pagesPerUser          live pages of one logged-in user, from any address; one more: 429
 * @param guestsGiveWayAfter    in a full process, guests' pages without a socket and guests'
 *                              sessions without pages idle this long give way to new ones (0: never)
 * @param maxQueuedChars        characters the outbound queues of all sockets may hold; beyond, a
 *                              socket behind by more than one write is closed with 1013
 * @param queuedCharsPerAddress the same for the sockets of one client address
 * @param ipv6NetworksPer48     different IPv6 /64s one /48 may show within {@code ipv6Window} and
 *                              still count as that many clients; beyond, the /48 counts as one
 *                              ({@link SpreadNetworks}; 0: never)
 * @param ipv6Window            the span those /64s are counted in, and how long a /48 counted as
 *                              one stays so after its last request
 */
public record AdmissionSettings(int maxConnections, int maxPages, int maxSockets, boolean perAddress,
                                int newConnectionsPerMinute, int newPagesPerMinute, int socketsPerAddress,
                                int connectionsPerAddress, int stalledWritesPerAddress, int maxTrackedAddresses,
                                Duration headerTimeout,
                                Duration bodyTimeout, int bodyMinRate, Duration sendTimeout, Duration slowCall, long bodiesHeapPerAddress,
                                int guestPagesPerAddress, int guestConnectionsPerAddress, int pagesPerUser,
                                Duration guestsGiveWayAfter, long maxQueuedChars, long queuedCharsPerAddress,
                                int ipv6NetworksPer48, Duration ipv6Window) {
    public AdmissionSettings {
        if (bodyTimeout.isNegative() || bodyTimeout.isZero() || bodyMinRate <= 0) {
            throw new IllegalArgumentException("resident.limits.body-timeout and body-min-rate must be positive");
        }
        if (sendTimeout.isNegative() || sendTimeout.isZero()) {
            throw new IllegalArgumentException("resident.limits.send-timeout must be positive");
        }
        if (stalledWritesPerAddress <= 0) {
            throw new IllegalArgumentException("resident.limits.per-address.stalled-writes must be positive");
        }
    }
}
