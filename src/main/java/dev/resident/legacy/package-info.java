/**
 * The legacy bridge: Resident as the single entry point of a site whose other pages still run in
 * the old WSGI app (gunicorn). {@link dev.resident.legacy.LegacyProxy} forwards every request
 * Resident does not serve itself to that app, streaming bodies both ways; the app in turn reaches
 * resident pages through {@code POST /_/dbevent}, {@code /_/notify} and {@code /_/broadcast}.
 * Depends on {@code web} for the JSON error answers; nothing outside {@code dev.resident} depends
 * on it. See {@code docs/legacy.md}.
 */
package dev.resident.legacy;
