/**
 * The NATS bus ({@code IPC_BACKEND=nats}): several Resident processes behave as one site.
 *
 * <p>Subjects, all under a configurable prefix so sites can share a NATS cluster:
 * {@code <prefix>.dbevent.<table>}, {@code <prefix>.user.<user>.notify},
 * {@code <prefix>.system.broadcast} and {@code <prefix>.system.sessions} (session ids that logins
 * and logouts replaced, for the other processes only). Table and user names become one subject token each: a
 * non-empty name of {@code [A-Za-z0-9_-]} only is used as it is, any other name is written
 * {@code ~} followed by the base64url (no padding) of its UTF-8 bytes, so {@code .}, {@code *},
 * {@code >} and spaces never reach a subject and two names never share one.
 *
 * <p>Payloads are JSON objects with {@code "v":1}, the origin {@code "process"} and the event's
 * fields. Each process publishes one message per event batch, delivers to its own pages at once
 * and skips its own messages when NATS brings them back (the connection echoes: it is shared). It subscribes to a table's subject only
 * while one of its pages watches the table, and to every user's notifications and the broadcasts.
 *
 * <p>Entry point: {@link dev.resident.bus.nats.NatsBuses#connect}; settings in
 * {@link dev.resident.bus.nats.NatsSettings}. The bus's connection is the process's one NATS
 * connection: the state store (JetStream KV), the task engine (JetStream) and the site-wide admin
 * view use it through {@link dev.resident.bus.nats.NatsLink}, never a second one.
 */
package dev.resident.bus.nats;
