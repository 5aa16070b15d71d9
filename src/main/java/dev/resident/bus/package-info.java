/**
 * The bus that carries dbevents, user notifications and broadcasts between the pages of a site:
 * {@link dev.resident.bus.Bus} with an in-process backend here and a NATS one in {@code bus.nats}.
 */
package dev.resident.bus;
