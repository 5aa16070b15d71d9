/**
 * The control plane of a run, spoken over {@code java.net.http}: opening the {@code /_bench}
 * pages the load will use and publishing dbevents. Not measured, so plain blocking calls.
 */
package dev.resident.load.setup;
