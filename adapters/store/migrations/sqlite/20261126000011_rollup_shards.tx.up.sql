-- Sharded rollup rows: the key of usage_hourly and usage_type_hourly gains
-- shard, as on PostgreSQL, where concurrent ingestion batches of one tenant
-- write different shards of a key so they do not wait on each other's row
-- locks; a key's value is the sum over its shards, and every reader groups
-- by the key. SQLite writes shard 0 only (one write transaction at a time,
-- nothing to spread), but the schema and the readers are the same. SQLite
-- cannot change a primary key, so each table is rebuilt; existing rows
-- become shard 0.
CREATE TABLE usage_hourly_sharded (
    tenant_id   TEXT NOT NULL,
    namespace   TEXT NOT NULL,
    usage_type  TEXT NOT NULL,
    object_name TEXT NOT NULL,
    deployment  TEXT NOT NULL,
    container   TEXT NOT NULL,
    hour        TIMESTAMP NOT NULL,
    unit_name   TEXT NOT NULL,
    quantity    TEXT NOT NULL,
    events      INTEGER NOT NULL,
    shard       SMALLINT NOT NULL DEFAULT 0,
    PRIMARY KEY (tenant_id, namespace, usage_type, object_name, deployment, container, hour, shard)
);
--bun:split
INSERT INTO usage_hourly_sharded (tenant_id, namespace, usage_type, object_name, deployment, container, hour, unit_name, quantity, events, shard)
SELECT tenant_id, namespace, usage_type, object_name, deployment, container, hour, unit_name, quantity, events, 0 FROM usage_hourly;
--bun:split
DROP TABLE usage_hourly;
--bun:split
ALTER TABLE usage_hourly_sharded RENAME TO usage_hourly;
--bun:split
CREATE INDEX usage_hourly_tenant_hour ON usage_hourly (tenant_id, hour);
--bun:split
CREATE TABLE usage_type_hourly_sharded (
    tenant_id  TEXT NOT NULL,
    hour       TIMESTAMP NOT NULL,
    namespace  TEXT NOT NULL,
    usage_type TEXT NOT NULL,
    unit_name  TEXT NOT NULL,
    quantity   TEXT NOT NULL,
    events     INTEGER NOT NULL,
    shard      SMALLINT NOT NULL DEFAULT 0,
    PRIMARY KEY (tenant_id, hour, namespace, usage_type, unit_name, shard)
);
--bun:split
INSERT INTO usage_type_hourly_sharded (tenant_id, hour, namespace, usage_type, unit_name, quantity, events, shard)
SELECT tenant_id, hour, namespace, usage_type, unit_name, quantity, events, 0 FROM usage_type_hourly;
--bun:split
DROP TABLE usage_type_hourly;
--bun:split
ALTER TABLE usage_type_hourly_sharded RENAME TO usage_type_hourly;
