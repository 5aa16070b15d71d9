/**
 * Socket fleets: child processes that each hold thousands of page sockets (one process may hold
 * ~19,500 files here), count and time what the server pushes, answer heartbeats, and report to
 * the harness over stdin/stdout. {@link dev.resident.load.fleet.FleetMain} is the child,
 * {@link dev.resident.load.fleet.Fleet} its handle in the harness.
 */
package dev.resident.load.fleet;
