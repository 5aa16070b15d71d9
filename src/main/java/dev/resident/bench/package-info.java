/** The built-in {@code /_bench} page type (off unless {@code resident.bench-pages} is true). */
package dev.resident.bench;
