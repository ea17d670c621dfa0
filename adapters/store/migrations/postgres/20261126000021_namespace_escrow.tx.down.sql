DROP FUNCTION quota_reserve_slots(TEXT, TEXT, BIGINT, TEXT[], TEXT[], BIGINT[], BIGINT[], BIGINT[], BOOLEAN, TIMESTAMPTZ, TEXT, TEXT, TEXT, TIMESTAMPTZ);
--bun:split
-- Back to migration 19's shards: each key's usage in shard 0, whose cap of
-- version -1 makes quota_reserve deal the room out on the next reservation.
CREATE TEMPORARY TABLE quota_tenant_sums ON COMMIT DROP AS
SELECT tenant_id, class, key, sum(used)::BIGINT AS used FROM quota_tenant_counters GROUP BY tenant_id, class, key;
--bun:split
DELETE FROM quota_tenant_counters;
--bun:split
ALTER TABLE quota_tenant_counters DROP CONSTRAINT quota_tenant_counters_pkey;
--bun:split
ALTER TABLE quota_tenant_counters DROP COLUMN slot, ADD COLUMN shard SMALLINT NOT NULL DEFAULT 0;
--bun:split
ALTER TABLE quota_tenant_counters ADD PRIMARY KEY (tenant_id, class, key, shard);
--bun:split
INSERT INTO quota_tenant_counters (tenant_id, class, key, shard, used, cap, cap_version)
SELECT tenant_id, class, key, 0, used, 0, -1 FROM quota_tenant_sums;
