/**
 * The soak scenario of issue 9 ({@code bench/soak}, not part of {@code bench/run} or CI): browser-like
 * clients churning pages, sockets and logins for a long stretch while dbevents are published, and a
 * sampler recording the server's heap after a full GC, its open files and the errors every minute.
 */
package dev.resident.load.soak;
