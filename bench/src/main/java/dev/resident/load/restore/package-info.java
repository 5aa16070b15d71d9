/**
 * The driver of {@code bench/state-restore} (issue 8): opens many {@code /_bench} pages with ~1 KB of
 * data each and lists them, then, against a restarted server, times a call on every one of them.
 */
package dev.resident.load.restore;
