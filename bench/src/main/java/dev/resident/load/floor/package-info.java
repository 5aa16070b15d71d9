/**
 * The protocol floor: the ceiling's Helidon server doing the work the protocol itself asks of an
 * {@code inc} call and nothing else (a JSON parse of the call, the page found by its id, the
 * counter and the page's seq under the page's lock, the data message kept for replay, the data
 * message and the result written in one socket write). No page engine, no registry, no store, no
 * metrics, no guards. It measures how much of the distance between Resident and the ceiling is the
 * protocol's own work; see {@code bench/README.md}, "Eighth session".
 */
package dev.resident.load.floor;
