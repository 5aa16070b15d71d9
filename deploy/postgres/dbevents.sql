-- Resident dbevents from PostgreSQL: row changes of watched tables become NOTIFY payloads that
-- Resident (DBEVENTS_PG_URL) turns into dbevents for the pages subscribed to the table.
--
--   psql -d mydb -f deploy/postgres/dbevents.sql        -- install or upgrade; safe to run again
--   SELECT resident_watch('orders');                    -- notify changes of orders on resident_dbevents
--   SELECT resident_watch('sales.invoices', 'my_site'); -- on another channel (dbevents.pg.channel)
--   SELECT resident_watch('users', with_record => false); -- pkey only: the row never leaves the database
--   SELECT resident_watch('sales.invoices', as_name => 'sales.invoices'); -- the name pages subscribe to
--   SELECT resident_unwatch('orders');                  -- stop
--
-- Each changed row sends {"table","action":"I"|"U"|"D","pkey","record"} where table is the name
-- pages subscribe to: the bare table name, or as_name (an identifier, or two joined by a dot, such
-- as Genropy's package.table; a table whose quoted name is no identifier, such as "order-lines",
-- must be given one), pkey the primary key value (an object of its columns when the key
-- has several) and record the new row (the old one for D), every column of it: pages' browsers
-- receive it, so watch a table holding secrets with with_record => false. Two watched tables never
-- send the same name on one channel (resident_watch refuses the second: name one with as_name),
-- so one table's rows never reach the pages of another. A payload that would reach PostgreSQL's
-- 8000-byte limit carries the pkey only (and pkey null if even that is too long). TRUNCATE sends
-- {"table","action":"*"}: everything may have changed. One transaction's changes of one table
-- send at most resident_dbevents.transaction_bytes of payloads (262144 unless set, e.g.
-- ALTER DATABASE mydb SET resident_dbevents.transaction_bytes = '1048576'), then one
-- {"table","action":"*"} and nothing more: a bulk UPDATE of a watched table would otherwise send
-- every row, which PostgreSQL delivers at once at the commit and every listening process reads
-- whole. The functions go to the first schema of the search_path; the tables that watch use them
-- from there.
BEGIN;
-- two servers installing at once would otherwise collide on CREATE OR REPLACE
SELECT pg_advisory_xact_lock(hashtext('resident_dbevents.install'));

CREATE OR REPLACE FUNCTION resident_dbevents_notify() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    channel  text := TG_ARGV[0];
    -- TG_ARGV[1]: 'named-record' or 'named-pkey', then the name pages subscribe to, then the primary
    -- key's columns; or, from triggers of earlier versions, 'record' or 'pkey' then the key's columns
    named    boolean := TG_ARGV[1] LIKE 'named-%';
    send_row boolean := TG_ARGV[1] IN ('record', 'named-record');
    tbl      text := TG_TABLE_NAME;
    first_key integer := 2;
    row_data jsonb;
    pkey     jsonb;
    payload  text;
    -- what this transaction sent of this table so far (-1: its '*', after which nothing more)
    spent_name text;
    spent    bigint;
    budget   bigint;
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        IF TG_NARGS > 1 THEN
            tbl := TG_ARGV[1];
        END IF;
        PERFORM pg_notify(channel, jsonb_build_object('table', tbl, 'action', '*')::text);
        RETURN NULL;
    END IF;
    IF named THEN
        tbl := TG_ARGV[2];
        first_key := 3;
    END IF;
    spent_name := 'resident_dbevents.spent_' || md5(channel || ' ' || tbl);
    spent := coalesce(nullif(current_setting(spent_name, true), '')::bigint, 0);
    IF spent < 0 THEN
        RETURN NULL; -- this transaction's '*' for the table went out: its pages reload everything
    END IF;
    IF TG_OP = 'DELETE' THEN
        row_data := to_jsonb(OLD);
    ELSE
        row_data := to_jsonb(NEW);
    END IF;
    IF TG_NARGS = first_key + 1 THEN
        pkey := row_data -> TG_ARGV[first_key];
    ELSE
        pkey := '{}'::jsonb;
        FOR i IN first_key .. TG_NARGS - 1 LOOP
            pkey := pkey || jsonb_build_object(TG_ARGV[i], row_data -> TG_ARGV[i]);
        END LOOP;
    END IF;
    IF send_row THEN
        payload := jsonb_build_object('table', tbl, 'action', left(TG_OP, 1),
                                      'pkey', pkey, 'record', row_data)::text;
    END IF;
    IF payload IS NULL OR octet_length(payload) >= 8000 THEN
        payload := jsonb_build_object('table', tbl, 'action', left(TG_OP, 1), 'pkey', pkey)::text;
    END IF;
    IF octet_length(payload) >= 8000 THEN
        payload := jsonb_build_object('table', tbl, 'action', left(TG_OP, 1), 'pkey', NULL)::text;
    END IF;
    budget := coalesce(nullif(current_setting('resident_dbevents.transaction_bytes', true), '')::bigint, 262144);
    IF spent + octet_length(payload) > budget THEN
        PERFORM set_config(spent_name, '-1', true);
        PERFORM pg_notify(channel, jsonb_build_object('table', tbl, 'action', '*')::text);
        RETURN NULL;
    END IF;
    PERFORM set_config(spent_name, (spent + octet_length(payload))::text, true);
    PERFORM pg_notify(channel, payload);
    RETURN NULL;
END
$$;

-- Attaches the triggers to a table (again: replaces them, e.g. after its primary key changed).
-- with_record => false: the payloads carry the pkey only, never the row. as_name: the table name
-- the payloads carry (pages subscribe to it), by default the bare table name.
DROP FUNCTION IF EXISTS resident_watch(regclass, text); -- the signatures before with_record, as_name
DROP FUNCTION IF EXISTS resident_watch(regclass, text, boolean);
CREATE OR REPLACE FUNCTION resident_watch(target regclass, channel text DEFAULT 'resident_dbevents',
                                          with_record boolean DEFAULT true, as_name text DEFAULT NULL)
RETURNS text
LANGUAGE plpgsql
SET search_path FROM CURRENT
AS $$
DECLARE
    keys        text[];
    args        text;
    event_table text;
    clash       text;
BEGIN
    IF channel IS NULL OR channel !~ '^[A-Za-z_][A-Za-z0-9_]{0,62}$' THEN
        RAISE EXCEPTION 'resident_watch: channel must be 1 to 63 letters, digits or _, not %', channel;
    END IF;
    SELECT c.relname::text INTO event_table FROM pg_class c WHERE c.oid = target;
    IF as_name IS NOT NULL THEN
        IF as_name !~ '^[A-Za-z_][A-Za-z0-9_$]{0,62}([.][A-Za-z_][A-Za-z0-9_$]{0,62})?$' THEN
            RAISE EXCEPTION 'resident_watch: as_name must be an identifier of at most 63 letters, digits, _ or $, '
                            'or two joined by a dot, not %', as_name;
        END IF;
        event_table := as_name;
    ELSIF event_table ~ '[^A-Za-z0-9_$\u0080-\uffff]' OR event_table ~ '^[0-9$]' THEN
        -- a quoted name that is no identifier (a hyphen, a space): Resident drops every payload
        -- that carries it as malformed, so this table's changes would reach no page
        RAISE EXCEPTION 'resident_watch: % is no name a dbevent can carry (letters, digits, _ and $ only): '
                        'give it one with as_name', event_table;
    END IF;
    -- another table that sends this name on this channel would reach this one's pages, and the
    -- other way round
    SELECT t.tgrelid::regclass::text INTO clash
      FROM pg_trigger t
      JOIN pg_class c ON c.oid = t.tgrelid
      CROSS JOIN LATERAL string_to_array(encode(t.tgargs, 'escape'), E'\\000') AS a(arg)
     WHERE t.tgname = 'resident_dbevents' AND t.tgrelid <> target AND a.arg[1] = channel
       AND CASE WHEN a.arg[2] LIKE 'named-%' THEN a.arg[3] = encode(convert_to(event_table, 'UTF8'), 'escape')
                ELSE c.relname::text = event_table END
     LIMIT 1;
    IF clash IS NOT NULL THEN
        RAISE EXCEPTION 'resident_watch: % already sends its changes as % on channel %: give % another name with as_name',
                        clash, event_table, channel, target;
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
      FROM unnest(ARRAY[channel, CASE WHEN with_record THEN 'named-record' ELSE 'named-pkey' END, event_table] || keys)
           AS arg;
    EXECUTE format('DROP TRIGGER IF EXISTS resident_dbevents ON %s', target);
    EXECUTE format('DROP TRIGGER IF EXISTS resident_dbevents_truncate ON %s', target);
    EXECUTE format('CREATE TRIGGER resident_dbevents AFTER INSERT OR UPDATE OR DELETE ON %s '
                   'FOR EACH ROW EXECUTE FUNCTION resident_dbevents_notify(%s)', target, args);
    EXECUTE format('CREATE TRIGGER resident_dbevents_truncate AFTER TRUNCATE ON %s '
                   'FOR EACH STATEMENT EXECUTE FUNCTION resident_dbevents_notify(%s, %s)', target,
                   quote_literal(channel), quote_literal(event_table));
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
