-- Merge the shards of every key back into one row (unit name of usage_hourly:
-- the smallest, as the readers report it), then restore the old keys.
CREATE TEMP TABLE usage_hourly_merged ON COMMIT DROP AS
SELECT tenant_id, namespace, usage_type, object_name, deployment, container, hour,
       min(unit_name) AS unit_name, sum(quantity) AS quantity, sum(events)::bigint AS events
FROM usage_hourly GROUP BY tenant_id, namespace, usage_type, object_name, deployment, container, hour;
--bun:split
CREATE TEMP TABLE usage_type_hourly_merged ON COMMIT DROP AS
SELECT tenant_id, hour, namespace, usage_type, unit_name, sum(quantity) AS quantity, sum(events)::bigint AS events
FROM usage_type_hourly GROUP BY tenant_id, hour, namespace, usage_type, unit_name;
--bun:split
DELETE FROM usage_hourly;
--bun:split
DELETE FROM usage_type_hourly;
--bun:split
ALTER TABLE usage_hourly DROP CONSTRAINT usage_hourly_pkey;
--bun:split
ALTER TABLE usage_hourly DROP COLUMN shard;
--bun:split
ALTER TABLE usage_hourly ADD PRIMARY KEY (tenant_id, namespace, usage_type, object_name, deployment, container, hour);
--bun:split
ALTER TABLE usage_type_hourly DROP CONSTRAINT usage_type_hourly_pkey;
--bun:split
ALTER TABLE usage_type_hourly DROP COLUMN shard;
--bun:split
ALTER TABLE usage_type_hourly ADD PRIMARY KEY (tenant_id, hour, namespace, usage_type, unit_name);
--bun:split
INSERT INTO usage_hourly (tenant_id, namespace, usage_type, object_name, deployment, container, hour, unit_name, quantity, events)
SELECT tenant_id, namespace, usage_type, object_name, deployment, container, hour, unit_name, quantity, events FROM usage_hourly_merged;
--bun:split
INSERT INTO usage_type_hourly (tenant_id, hour, namespace, usage_type, unit_name, quantity, events)
SELECT tenant_id, hour, namespace, usage_type, unit_name, quantity, events FROM usage_type_hourly_merged;
