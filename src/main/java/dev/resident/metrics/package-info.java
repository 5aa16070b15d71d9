/** The server's meters (Helidon metrics, Prometheus text at {@code /observe/metrics}). */
package dev.resident.metrics;
