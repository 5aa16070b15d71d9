/**
 * The scenarios of issue 5: each {@link dev.resident.load.scenario.Case} drives one running
 * server through the wire protocol and returns its measured numbers as JSON.
 */
package dev.resident.load.scenario;
