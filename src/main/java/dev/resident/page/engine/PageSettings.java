package dev.resident.page.engine;

import java.time.Duration;

/**
 * Limits of every resident page.
 *
 * @param idleTtl         a page without socket expires after this long without rpc or poll (legacy: 600 s)
 * @param maxPendingRpc   calls waiting for one page beyond this are refused with 429 {@code rate_limited}
 * @param historyMessages how many messages each page keeps for replay
 * @param historyBytes    how many characters of messages each page keeps for replay
 * @param historyAge      how long each page keeps a message for replay
 * @param maxParamsBytes  bytes of a page's open params, encoded; beyond, the open gets 422 {@code unprocessable}
 *                        (a page keeps its params, and its saved copy, for its whole life)
 */
public record PageSettings(Duration idleTtl, int maxPendingRpc, int historyMessages, long historyBytes, Duration historyAge,
                           int maxParamsBytes) {
}
