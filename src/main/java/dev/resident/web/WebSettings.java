package dev.resident.web;

import java.time.Duration;
import java.util.Set;

/**
 * Settings of the HTTP and WebSocket front.
 *
 * @param adminToken      bearer token of {@code POST /_/dbevent} and other admin calls; empty: they are off
 * @param maxBodyBytes    larger request bodies get 413 {@code too_large}
 * @param bodiesHeap      heap that request bodies may hold at once, process-wide, beyond a small
 *                        share each ({@link Bodies}); past it, 503 {@code unavailable}
 * @param maxMessageBytes larger WebSocket messages close the socket with 1009
 * @param heartbeat       interval of {@code {"t":"ping"}} frames
 * @param socketQueue     messages queued per socket before it is closed with 1013
 * @param socketQueueBytes characters queued per socket before it is closed with 1013 (a lone
 *                        message is taken whatever its size: the queue holds at least one)
 * @param maxWriteBytes   most bytes of frames written to a socket at once; queued messages go
 *                        out together up to this (a larger message alone)
 * @param closeTimeout    how long a closing socket may take before it is cut
 * @param allowedOrigins  origins accepted besides the server's own
 * @param maxPollWait     longest long-poll wait
 * @param login           bounds of {@code POST /_/login}
 * @param adminHost       the host the admin powers answer on ({@link AdminHost}); empty: any
 * @param hstsMaxAge      {@code Strict-Transport-Security}'s {@code max-age} on the answers to HTTPS
 *                        requests ({@link StrictTransport}); zero: not sent
 * @param demoFiles       whether the demo's browser side is served ({@code /}, {@code /demo.js}):
 *                        demo mode only, so that a site's own front end or legacy app has {@code /}
 */
public record WebSettings(String adminToken, int maxBodyBytes, long bodiesHeap, int maxMessageBytes, Duration heartbeat,
                          int socketQueue, long socketQueueBytes, int maxWriteBytes, Duration closeTimeout, Set<String> allowedOrigins,
                          Duration maxPollWait, LoginSettings login, String adminHost, Duration hstsMaxAge,
                          AllowedHosts allowedHosts, boolean demoFiles) {
}
