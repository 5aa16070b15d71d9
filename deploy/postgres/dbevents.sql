-- Resident dbevents from PostgreSQL: row changes of watched tables become NOTIFY payloads that
-- Resident (DBEVENTS_PG_URL) turns into dbevents for the pages subscribed to the table.
--
--   psql -d mydb -f deploy/postgres/dbevents.sql        -- install or upgrade; safe to run again
--   SELECT resident_watch('orders');                    -- notify changes of orders on resident_dbevents
--   SELECT resident_watch('sales.invoices', 'my_site'); -- on another channel (dbevents.pg.channel)
--   SELECT resident_watch('users', with_record => false); -- pkey only: the row never leaves the database
--   SELECT resident_unwatch('orders');                  -- stop
--
-- Each changed row sends {"table","action":"I"|"U"|"D","pkey","record"} where table is the bare
-- table name, pkey the primary key value (an object of its columns when the key has several) and
-- record the new row (the old one for D), every column of it: pages' browsers receive it, so watch
-- a table holding secrets with with_record => false. A payload that would reach PostgreSQL's 8000-byte limit
-- carries the pkey only (and pkey null if even that is too long). TRUNCATE sends
-- {"table","action":"*"}: everything may have changed. The functions go to the first schema of the
-- search_path; the tables that watch use them from there.
BEGIN;
-- two servers installing at once would otherwise collide on CREATE OR REPLACE
SELECT pg_advisory_xact_lock(hashtext('resident_dbevents.install'));

CREATE OR REPLACE FUNCTION resident_dbevents_notify() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    channel  text := TG_ARGV[0];
    -- TG_ARGV[1]: 'record' or 'pkey'; then the primary key's columns
    send_row boolean := TG_ARGV[1] = 'record';
    row_data jsonb;
    pkey     jsonb;
    payload  text;
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        PERFORM pg_notify(channel, jsonb_build_object('table', TG_TABLE_NAME, 'action', '*')::text);
        RETURN NULL;
    END IF;
    IF TG_OP = 'DELETE' THEN
        row_data := to_jsonb(OLD);
    ELSE
        row_data := to_jsonb(NEW);
    END IF;
    IF TG_NARGS = 3 THEN
        pkey := row_data -> TG_ARGV[2];
    ELSE
        pkey := '{}'::jsonb;
        FOR i IN 2 .. TG_NARGS - 1 LOOP
            pkey := pkey || jsonb_build_object(TG_ARGV[i], row_data -> TG_ARGV[i]);
        END LOOP;
    END IF;
    IF send_row THEN
        payload := jsonb_build_object('table', TG_TABLE_NAME, 'action', left(TG_OP, 1),
                                      'pkey', pkey, 'record', row_data)::text;
    END IF;
    IF payload IS NULL OR octet_length(payload) >= 8000 THEN
        payload := jsonb_build_object('table', TG_TABLE_NAME, 'action', left(TG_OP, 1), 'pkey', pkey)::text;
    END IF;
    IF octet_length(payload) >= 8000 THEN
        payload := jsonb_build_object('table', TG_TABLE_NAME, 'action', left(TG_OP, 1), 'pkey', NULL)::text;
    END IF;
    PERFORM pg_notify(channel, payload);
    RETURN NULL;
END
$$;

-- Attaches the triggers to a table (again: replaces them, e.g. after its primary key changed).
-- with_record => false: the payloads carry the pkey only, never the row.
DROP FUNCTION IF EXISTS resident_watch(regclass, text); -- the signature before with_record
CREATE OR REPLACE FUNCTION resident_watch(target regclass, channel text DEFAULT 'resident_dbevents',
                                          with_record boolean DEFAULT true)
RETURNS text
LANGUAGE plpgsql
SET search_path FROM CURRENT
AS $$
DECLARE
    keys text[];
    args text;
BEGIN
    IF channel IS NULL OR channel !~ '^[A-Za-z_][A-Za-z0-9_]{0,62}$' THEN
        RAISE EXCEPTION 'resident_watch: channel must be 1 to 63 letters, digits or _, not %', channel;
    END IF;
    SELECT array_agg(a.attname::text ORDER BY k.ord) INTO keys
      FROM pg_index i
      CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, ord)
      JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
     WHERE i.indrelid = target AND i.indisprimary;
    IF keys IS NULL THEN
        RAISE EXCEPTION 'resident_watch: table % has no primary key', target;
    END IF;
    SELECT string_agg(quote_literal(arg), ', ') INTO args
      FROM unnest(ARRAY[channel, CASE WHEN with_record THEN 'record' ELSE 'pkey' END] || keys) AS arg;
    EXECUTE format('DROP TRIGGER IF EXISTS resident_dbevents ON %s', target);
    EXECUTE format('DROP TRIGGER IF EXISTS resident_dbevents_truncate ON %s', target);
    EXECUTE format('CREATE TRIGGER resident_dbevents AFTER INSERT OR UPDATE OR DELETE ON %s '
                   'FOR EACH ROW EXECUTE FUNCTION resident_dbevents_notify(%s)', target, args);
    EXECUTE format('CREATE TRIGGER resident_dbevents_truncate AFTER TRUNCATE ON %s '
                   'FOR EACH STATEMENT EXECUTE FUNCTION resident_dbevents_notify(%s)', target, quote_literal(channel));
    RETURN target::text;
END
$$;

-- Detaches the triggers; the table's changes are no longer notified.
CREATE OR REPLACE FUNCTION resident_unwatch(target regclass) RETURNS text
LANGUAGE plpgsql
SET search_path FROM CURRENT
AS $$
BEGIN
    EXECUTE format('DROP TRIGGER IF EXISTS resident_dbevents ON %s', target);
    EXECUTE format('DROP TRIGGER IF EXISTS resident_dbevents_truncate ON %s', target);
    RETURN target::text;
END
$$;

COMMIT;
