/** Operations: draining state for graceful shutdown, the readiness check and the process's timers. */
package dev.resident.ops;
