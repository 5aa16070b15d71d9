/** The JSON codec shared by every layer. */
package dev.resident.json;
