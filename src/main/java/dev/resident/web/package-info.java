/**
 * The wire: HTTP routes under {@code /_/}, the page WebSocket with its bounded outbound queue,
 * JSON error answers, and the guards in front of them: the cross-site check, the login limits.
 * Everything here translates between PROTOCOL.md and the registry.
 */
package dev.resident.web;
