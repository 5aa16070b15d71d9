/**
 * The registers that replace the legacy Pyro daemon: connections, users, pages, the global store,
 * table subscriptions, login through an {@link dev.resident.registry.Authenticator}, expiry, and
 * the fanout of bus deliveries to pages.
 */
package dev.resident.registry;
