/**
 * A small non-blocking client engine: selector threads ({@link dev.resident.load.net.EventLoop})
 * driving HTTP/1.1 keep-alive ({@link dev.resident.load.net.HttpLink}) and WebSocket
 * ({@link dev.resident.load.net.WsLink}) connections. One thread serves thousands of sockets
 * without a thread hop per response, so the load generator costs little of the CPU it shares
 * with the server under test. Everything a link does runs on its loop's thread.
 */
package dev.resident.load.net;
