/**
 * The results: JSON lines in {@code bench/results/<scenario>.jsonl} are the source of truth; the
 * side-by-side table and {@code report.html} are drawn from them.
 */
package dev.resident.load.report;
