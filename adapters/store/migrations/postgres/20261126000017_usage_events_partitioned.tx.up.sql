-- usage_events becomes partitioned by UTC calendar month of the event's
-- timestamp (declarative range partitioning), so old months can be dropped
-- whole (billingd serve --event-retention) instead of deleted row by row.
--
-- A unique index of a partitioned table must contain the partition key, so
-- (tenant_id, event_id) can no longer be unique on usage_events itself: the
-- same id with another timestamp would land in another partition. The
-- exactly-once guarantee moves to usage_event_ids, one narrow unpartitioned
-- row per stored event, whose primary key is what an ingesting transaction
-- inserts into first (ON CONFLICT DO NOTHING); only the ids it inserted go
-- on to usage_events, in the same statement. content_hash tells a retry
-- from a conflict, as before, and ts says which month the id belongs to.
CREATE TABLE usage_event_ids (
    tenant_id    TEXT NOT NULL,
    event_id     TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    ts           TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (tenant_id, event_id)
);
--bun:split
INSERT INTO usage_event_ids (tenant_id, event_id, content_hash, ts)
SELECT tenant_id, event_id, content_hash, ts FROM usage_events;
--bun:split
ALTER TABLE usage_events RENAME TO usage_events_unpartitioned;
--bun:split
ALTER INDEX usage_events_pkey RENAME TO usage_events_unpartitioned_pkey;
--bun:split
-- No index: nothing reads events by key (dedup reads usage_event_ids,
-- reports read the rollups), so ingestion writes only the heap here.
CREATE TABLE usage_events (
    tenant_id    TEXT NOT NULL,
    event_id     TEXT NOT NULL,
    namespace    TEXT NOT NULL,
    usage_type   TEXT NOT NULL,
    object_name  TEXT NOT NULL,
    deployment   TEXT NOT NULL DEFAULT '',
    container    TEXT NOT NULL DEFAULT '',
    quantity     NUMERIC NOT NULL,
    unit_name    TEXT NOT NULL,
    ts           TIMESTAMPTZ NOT NULL,
    content_hash TEXT NOT NULL,
    received_at  TIMESTAMPTZ NOT NULL
) PARTITION BY RANGE (ts);
--bun:split
-- usage_events_partition makes sure the partition holding instant "at"
-- exists: usage_events_YYYYMM for [first of the month, first of the next)
-- in UTC. It is the one definition billingd (start, maintenance, ingestion
-- of an event outside the existing months) and scripts use. Creators take
-- turns on the SHARE UPDATE EXCLUSIVE lock, which ATTACH PARTITION takes
-- anyway and which does not conflict with inserts, so ingestion into other
-- months goes on; taking the lock also makes a creator see a partition
-- committed while it waited. Returns true when it created the partition
-- (visible to others once the caller's transaction commits).
CREATE FUNCTION usage_events_partition(at TIMESTAMPTZ) RETURNS BOOLEAN LANGUAGE plpgsql AS $$
DECLARE
    lo   TIMESTAMP := date_trunc('month', at AT TIME ZONE 'UTC');
    name TEXT := 'usage_events_' || to_char(lo, 'YYYYMM');
BEGIN
    IF to_regclass(name) IS NOT NULL THEN
        RETURN false;
    END IF;
    LOCK TABLE usage_events IN SHARE UPDATE EXCLUSIVE MODE;
    IF to_regclass(name) IS NOT NULL THEN
        RETURN false;
    END IF;
    EXECUTE format('CREATE TABLE %I (LIKE usage_events INCLUDING DEFAULTS)', name);
    EXECUTE format('ALTER TABLE usage_events ATTACH PARTITION %I FOR VALUES FROM (%L) TO (%L)',
        name, lo AT TIME ZONE 'UTC', (lo + interval '1 month') AT TIME ZONE 'UTC');
    RETURN true;
END
$$;
--bun:split
-- A partition for every month that has events, and for last month to two
-- months ahead (billingd keeps that window itself from then on, by its own
-- clock).
SELECT usage_events_partition(m) FROM (
    SELECT DISTINCT date_trunc('month', ts AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' AS m FROM usage_events_unpartitioned
    UNION
    SELECT (date_trunc('month', now() AT TIME ZONE 'UTC') + n * interval '1 month') AT TIME ZONE 'UTC' FROM generate_series(-1, 2) n
) months;
--bun:split
INSERT INTO usage_events (tenant_id, event_id, namespace, usage_type, object_name, deployment, container, quantity, unit_name, ts, content_hash, received_at)
SELECT tenant_id, event_id, namespace, usage_type, object_name, deployment, container, quantity, unit_name, ts, content_hash, received_at
FROM usage_events_unpartitioned;
--bun:split
DROP TABLE usage_events_unpartitioned;
--bun:split
-- Months whose event partition retention dropped, whose ids are still kept
-- in usage_event_ids: an id is forgotten only once no event of its month
-- can be accepted any more (the month ended more than the longest
-- late-arrival window ago), so dedup stays exact (see partitions.go).
CREATE TABLE usage_event_id_purges (
    month TIMESTAMPTZ PRIMARY KEY
);
