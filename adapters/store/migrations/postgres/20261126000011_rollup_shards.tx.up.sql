-- Sharded rollup rows. Concurrent ingestion batches of one tenant mostly add
-- to the same hourly rows; with one row per key every batch waited on the
-- row lock of the one before it until that transaction's commit (WAL flush),
-- so ingestion ran one transaction at a time. Each batch now writes all its
-- rollups to one shard (see UsageRepo.InsertEvents), so concurrent batches
-- land on different rows. Every shard row is the exact sum of the events of
-- the batches that chose it, written in the events' transaction; a key's
-- value is the sum over its shards, and every reader groups by the key.
-- Existing rows become shard 0. SQLite has the same keys (its migration 11)
-- but writes shard 0 only: it runs one write transaction at a time anyway.
ALTER TABLE usage_hourly ADD COLUMN shard SMALLINT NOT NULL DEFAULT 0;
--bun:split
ALTER TABLE usage_hourly DROP CONSTRAINT usage_hourly_pkey;
--bun:split
ALTER TABLE usage_hourly ADD PRIMARY KEY (tenant_id, namespace, usage_type, object_name, deployment, container, hour, shard);
--bun:split
ALTER TABLE usage_type_hourly ADD COLUMN shard SMALLINT NOT NULL DEFAULT 0;
--bun:split
ALTER TABLE usage_type_hourly DROP CONSTRAINT usage_type_hourly_pkey;
--bun:split
ALTER TABLE usage_type_hourly ADD PRIMARY KEY (tenant_id, hour, namespace, usage_type, unit_name, shard);
