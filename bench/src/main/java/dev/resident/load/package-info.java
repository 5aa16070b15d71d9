/**
 * The bench harness of issue 5: {@link dev.resident.load.Main} starts each server under test,
 * runs the chosen scenarios against it through the wire protocol only, appends one JSON line per
 * result to {@code bench/results/*.jsonl}, and prints a side-by-side table.
 */
package dev.resident.load;
