/**
 * The wire: HTTP routes under {@code /_/}, the page WebSocket with its bounded outbound queue,
 * JSON error answers, and the guards in front of them: the cross-site check, the login limits,
 * the admission caps, and the connection watch under HTTP itself (header timeout, connections per
 * address, raw request targets).
 * Everything here translates between PROTOCOL.md and the registry.
 */
package dev.resident.web;
