/** The built-in {@code /_bench} page type (enabled by {@code resident.bench-pages}). */
package dev.resident.bench;
