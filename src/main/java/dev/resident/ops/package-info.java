/** Operations: draining state for graceful shutdown and the readiness check. */
package dev.resident.ops;
