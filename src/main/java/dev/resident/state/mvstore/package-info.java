/** The embedded state store of a single process: H2's MVStore in one file under {@code STATE_DIR}. */
package dev.resident.state.mvstore;
