/** The README's example page type. */
package dev.resident.example;
