/**
 * The legacy bridge: Resident as the single entry point of a site whose other pages still run in
 * the old WSGI app (gunicorn). {@link dev.resident.legacy.LegacyProxy} forwards every request
 * Resident does not serve itself to that app, streaming bodies both ways; the app in turn reaches
 * resident pages through {@code POST /_/dbevent}, {@code /_/notify} and {@code /_/broadcast}.
 * {@link dev.resident.legacy.LegacySockets} tunnels the legacy app's own WebSocket,
 * {@link dev.resident.legacy.LegacySessionAuthenticator} gives both apps one login (the legacy
 * session), and {@link dev.resident.legacy.LegacyBridgePage} is the page type that pages still
 * rendered by the legacy app open to receive pushes.
 * Depends on {@code web} (JSON errors, the Origin rule), {@code registry} (identities) and
 * {@code page} (the bridge page type); nothing outside {@code dev.resident} depends on it. See
 * {@code docs/legacy.md}.
 */
package dev.resident.legacy;
