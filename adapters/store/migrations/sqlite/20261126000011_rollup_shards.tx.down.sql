-- Merge the shards of every key back into one row (unit name of usage_hourly:
-- the smallest, as the readers report it) under the old keys.
CREATE TABLE usage_hourly_merged (
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
    PRIMARY KEY (tenant_id, namespace, usage_type, object_name, deployment, container, hour)
);
--bun:split
INSERT INTO usage_hourly_merged (tenant_id, namespace, usage_type, object_name, deployment, container, hour, unit_name, quantity, events)
SELECT tenant_id, namespace, usage_type, object_name, deployment, container, hour, min(unit_name), decimal_sum(quantity), sum(events)
FROM usage_hourly GROUP BY tenant_id, namespace, usage_type, object_name, deployment, container, hour;
--bun:split
DROP TABLE usage_hourly;
--bun:split
ALTER TABLE usage_hourly_merged RENAME TO usage_hourly;
--bun:split
CREATE INDEX usage_hourly_tenant_hour ON usage_hourly (tenant_id, hour);
--bun:split
CREATE TABLE usage_type_hourly_merged (
    tenant_id  TEXT NOT NULL,
    hour       TIMESTAMP NOT NULL,
    namespace  TEXT NOT NULL,
    usage_type TEXT NOT NULL,
    unit_name  TEXT NOT NULL,
    quantity   TEXT NOT NULL,
    events     INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, hour, namespace, usage_type, unit_name)
);
--bun:split
INSERT INTO usage_type_hourly_merged (tenant_id, hour, namespace, usage_type, unit_name, quantity, events)
SELECT tenant_id, hour, namespace, usage_type, unit_name, decimal_sum(quantity), sum(events)
FROM usage_type_hourly GROUP BY tenant_id, hour, namespace, usage_type, unit_name;
--bun:split
DROP TABLE usage_type_hourly;
--bun:split
ALTER TABLE usage_type_hourly_merged RENAME TO usage_type_hourly;
