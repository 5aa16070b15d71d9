/**
 * The servers under test: Resident from its jar, the ceiling (a trivial Helidon handler) and the
 * peers through their {@code start}/{@code stop} scripts, each on a free port, with a probe of the
 * processes' memory and CPU.
 */
package dev.resident.load.target;
