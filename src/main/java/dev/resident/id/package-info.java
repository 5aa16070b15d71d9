/** Connection and page identifiers. */
package dev.resident.id;
