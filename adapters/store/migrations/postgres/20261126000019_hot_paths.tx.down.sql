DROP TABLE usage_type_daily;
--bun:split
DROP FUNCTION quota_reserve(TEXT, TEXT, BIGINT, TEXT[], TEXT[], BIGINT[], BIGINT[], BIGINT[], BOOLEAN, TIMESTAMPTZ, TEXT, TEXT, TEXT, TIMESTAMPTZ);
--bun:split
DROP TRIGGER tenant_plans_limits_version ON tenant_plans;
--bun:split
DROP TRIGGER quotas_limits_version ON quotas;
--bun:split
DROP FUNCTION quota_limits_changed();
--bun:split
-- Back to one row per tenant and key: the sum of its shards.
CREATE TEMPORARY TABLE quota_tenant_sums ON COMMIT DROP AS
SELECT tenant_id, class, key, sum(used)::BIGINT AS used FROM quota_tenant_counters GROUP BY tenant_id, class, key;
--bun:split
DELETE FROM quota_tenant_counters;
--bun:split
ALTER TABLE quota_tenant_counters DROP CONSTRAINT quota_tenant_counters_pkey;
--bun:split
ALTER TABLE quota_tenant_counters DROP COLUMN shard, DROP COLUMN cap, DROP COLUMN cap_version;
--bun:split
ALTER TABLE quota_tenant_counters ADD PRIMARY KEY (tenant_id, class, key);
--bun:split
INSERT INTO quota_tenant_counters (tenant_id, class, key, used) SELECT tenant_id, class, key, used FROM quota_tenant_sums;
--bun:split
ALTER TABLE quota_locks DROP COLUMN limits_version;
