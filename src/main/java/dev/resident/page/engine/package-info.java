/**
 * The page engine: the live page ({@code ResidentPage}) with its serialized calls, its message log
 * (seq, replay, resync) and outbox, its hook queue, what it leaves behind to be continued
 * ({@code SavedPage}), the CPU pool for CPU-bound page code, and what it needs from the registries
 * that hold it ({@code PageHost}). Knows nothing of HTTP or sockets. Page code never imports it: it
 * sees the author's API in {@code dev.resident.page}, which the engine drives through
 * {@code EngineSeam}.
 */
package dev.resident.page.engine;
