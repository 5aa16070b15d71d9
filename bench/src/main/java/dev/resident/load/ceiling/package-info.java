/**
 * The ceiling of the stack: the cheapest server Helidon 4 can be for the rpc shape of the
 * protocol, measured with the same load so the table shows how close Resident gets to it.
 */
package dev.resident.load.ceiling;
