-- 1. Room on every page of the rollup tables for the next version of its rows.
--
-- Every ingested batch adds to a few hundred rollup rows (its shard's keys):
-- PostgreSQL writes a new version of each row. When the new version fits on
-- the same page, the update is HOT: no index entry is written and the dead
-- version is pruned in place. With the default fillfactor (100) the pages
-- were full from the first inserts, so 74 % of usage_hourly's updates were
-- not HOT: each wrote an entry into both of its indexes, the indexes and the
-- table bloated (2,295 pages for 6,400 rows 12 s into a benchmark) and the
-- btree's bottom-up deletion ran on the hot path. A fillfactor of 50 leaves
-- half of each page free, and pruning keeps it so.
--
-- The setting applies to pages written from now on; tables already bloated
-- reach it as their pages are rewritten (VACUUM FULL applies it at once).
ALTER TABLE usage_hourly SET (fillfactor = 50);
ALTER TABLE usage_object_daily SET (fillfactor = 50);
ALTER TABLE usage_type_hourly SET (fillfactor = 50);
ALTER TABLE usage_type_daily SET (fillfactor = 50);

-- 2. usage_insert_events stores a batch's new events and returns the IDs
-- that were stored already (none, for almost every batch, so nothing comes
-- back). It replaces a statement that returned the new IDs (insertEvents
-- before this migration), which stays correct for the previous release.
--
-- That statement inserted into usage_event_ids with ON CONFLICT DO NOTHING:
-- a speculative insertion, which probes the unique index for every event
-- before it inserts the event and its index entry (these probes, with the
-- rollups' upserts', were 20 % of PostgreSQL's CPU while ingesting, in
-- perf), then joined the new IDs back to the batch.
-- Almost every batch is new, so this function first inserts plainly (one
-- descent of the index per event, no join). A unique violation (an ID
-- stored already: a retried batch) undoes that attempt, its subtransaction,
-- and the old statement runs instead, with the same result. The caller
-- passes each ID once (usage.Service.Ingest keeps the first occurrence).
-- The rows go in the order of p_id (sorted by the caller) in both attempts,
-- so concurrent batches still take the index's locks in the same order.
CREATE FUNCTION usage_insert_events(p_tenant TEXT, p_received TIMESTAMPTZ, p_id TEXT[], p_ns TEXT[], p_ut TEXT[],
	p_obj TEXT[], p_dep TEXT[], p_con TEXT[], p_q TEXT[], p_unit TEXT[], p_ts TIMESTAMPTZ[], p_h TEXT[])
RETURNS SETOF TEXT LANGUAGE plpgsql AS $$
DECLARE
	fresh TEXT[];
BEGIN
	BEGIN
		INSERT INTO usage_event_ids (tenant_id, event_id, content_hash, ts)
		SELECT p_tenant, u.id, u.h, u.ts FROM unnest(p_id, p_h, p_ts) AS u(id, h, ts);
		INSERT INTO usage_events
		(tenant_id, event_id, namespace, usage_type, object_name, deployment, container, quantity, unit_name, ts, content_hash, received_at)
		SELECT p_tenant, u.id, u.ns, u.ut, u.obj, u.dep, u.con, u.q::numeric, u.unit, u.ts, u.h, p_received
		FROM unnest(p_id, p_ns, p_ut, p_obj, p_dep, p_con, p_q, p_unit, p_ts, p_h) AS u(id, ns, ut, obj, dep, con, q, unit, ts, h);
		RETURN;
	EXCEPTION WHEN unique_violation THEN
		WITH u AS (
			SELECT * FROM unnest(p_id, p_ns, p_ut, p_obj, p_dep, p_con, p_q, p_unit, p_ts, p_h)
				AS u(id, ns, ut, obj, dep, con, q, unit, ts, h)
		), ins AS (
			INSERT INTO usage_event_ids (tenant_id, event_id, content_hash, ts)
			SELECT p_tenant, u.id, u.h, u.ts FROM u
			ON CONFLICT (tenant_id, event_id) DO NOTHING
			RETURNING event_id
		), stored AS (
			INSERT INTO usage_events
			(tenant_id, event_id, namespace, usage_type, object_name, deployment, container, quantity, unit_name, ts, content_hash, received_at)
			SELECT p_tenant, u.id, u.ns, u.ut, u.obj, u.dep, u.con, u.q::numeric, u.unit, u.ts, u.h, p_received
			FROM u JOIN ins ON ins.event_id = u.id
		)
		SELECT array_agg(event_id) INTO fresh FROM ins;
	END;
	RETURN QUERY SELECT unnest(p_id) EXCEPT SELECT unnest(fresh);
END
$$;
