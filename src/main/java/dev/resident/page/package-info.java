/**
 * Resident pages: page types registered by path, the live page object with its data, its message
 * log (seq, replay, resync) and its serialized calls. Knows nothing of HTTP or sockets.
 */
package dev.resident.page;
