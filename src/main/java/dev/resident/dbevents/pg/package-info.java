/**
 * dbevents from PostgreSQL ({@code DBEVENTS_PG_URL}): a dedicated connection LISTENs on a channel
 * that the trigger of {@code deploy/postgres/dbevents.sql} NOTIFYs with
 * {@code {"table","action","pkey","record"?}} for every changed row of a watched table.
 *
 * <p>Every process listens and hands each notification straight to its own bus listener (the
 * registry's fanout), never to the bus: each page lives in exactly one process, so each page gets
 * each change exactly once, with no traffic between processes. After the link was lost and came
 * back, every table watched by a page of this process gets a dbevent {@code {"action":"*"}}: NOTIFY
 * keeps nothing for an absent listener, so those pages reload.
 *
 * <p>Depends on {@code bus}, {@code json} and {@code metrics} only; only the wiring in
 * {@code Resident} uses it. Entry point: {@link dev.resident.dbevents.pg.PgDbEvents#start}.
 */
package dev.resident.dbevents.pg;
